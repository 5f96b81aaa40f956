//! The pages (`/countries/…` and one per record) in the non-interference
//! test. Pages are rendered for an anonymous reader whoever asks, so every
//! viewer fetches every page with its own key and must get the anonymous
//! page: the same bytes before and after the hidden data, none of the
//! anonymous reader's canaries, and a hidden record's page word for word
//! the page of a record that never existed.

use std::collections::BTreeMap;

use super::generate::nonexistent;
use super::world::{Viewer, World};
use super::{Failure, Report};

/// Record types with a page, and the page's folder.
const KINDS: [(&str, &str); 3] =
    [("Defender", "defenders"), ("Restriction", "restrictions"), ("Campaign", "campaigns")];

/// Every country the world's records are in, one without any, and
/// subdivisions with records.
const PLACES: [&str; 8] = [
    "/countries/PE",
    "/countries/US",
    "/countries/SA",
    "/countries/CN",
    "/countries/NO",
    "/subdivisions/US-FL",
    "/subdivisions/US-ND",
    "/subdivisions/PE-CAJ",
];

/// Status and body of each page, by viewer and path.
pub type Pages = BTreeMap<(Viewer, String), (u16, String)>;

fn base(world: &World) -> String {
    world.url.trim_end_matches("/graphql").to_owned()
}

fn record_path(folder: &str, gid: &str) -> String {
    format!("/{folder}/{gid}")
}

/// The pages compared between phases: the countries', and those of the
/// records written before phase A (visible or not).
fn paths(world: &World) -> Vec<String> {
    let mut paths: Vec<String> = PLACES.iter().map(|path| path.to_string()).collect();
    for rec in world.recs.iter().filter(|rec| rec.baseline) {
        if let Some((_, folder)) = KINDS.iter().find(|(ty, _)| *ty == rec.ty) {
            paths.push(record_path(folder, &rec.gid));
        }
    }
    paths
}

async fn fetch(world: &World, viewer: Viewer, path: &str) -> (u16, String) {
    let mut request = world.client.get(format!("{}{path}", base(world)));
    if let Some(key) = world.viewer_key(viewer) {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.unwrap_or_else(|error| panic!("page {path}: {error}"));
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Every viewer fetches every page, which is scanned for the anonymous
/// reader's canaries (ids of records hidden from it, confidential values).
pub async fn fetch_all(world: &World, phase: &'static str, report: &mut Report) -> Pages {
    let canaries = world.canaries(Viewer::Anonymous);
    let mut pages = Pages::new();
    for path in paths(world) {
        for viewer in Viewer::ALL {
            let (status, body) = fetch(world, viewer, &path).await;
            if status != 200 && status != 404 {
                report.failures.push(failure(viewer, phase, format!("page {path} answered {status}"), body.clone()));
            }
            for (canary, what) in &canaries {
                // The page's own address holds the id it was asked for.
                if body.contains(canary.as_str()) && !path.contains(canary.as_str()) {
                    report.failures.push(failure(viewer, phase, format!("page {path} shows {what}"), canary.clone()));
                }
            }
            pages.insert((viewer, path.clone()), (status, body));
        }
    }
    pages
}

/// Each page must be what it was in phase A, for every viewer.
pub fn compare(before: &Pages, after: &Pages, phase: &'static str, report: &mut Report) {
    for ((viewer, path), answer) in before {
        if after.get(&(*viewer, path.clone())) != Some(answer) {
            let detail =
                format!("before: {:?}\nafter: {:?}", answer.0, after.get(&(*viewer, path.clone())).map(|a| a.0));
            report.failures.push(failure(*viewer, phase, format!("page {path} changed"), detail));
        }
    }
}

/// The page of every record hidden from the public is the page of a record
/// that never existed.
pub async fn hidden_versus_nonexistent(world: &World, phase: &'static str, report: &mut Report) {
    for (ty, folder) in KINDS {
        let missing = fetch(world, Viewer::Anonymous, &record_path(folder, &nonexistent(ty))).await;
        if missing.0 != 404 {
            report.failures.push(failure(
                Viewer::Anonymous,
                phase,
                format!("no {ty} page is not a 404"),
                missing.1.clone(),
            ));
        }
        for rec in world.hidden_from(Viewer::Anonymous, ty) {
            if rec.absorbed_into.is_some() {
                // A merged record's id opens its survivor's page, if that is public.
                continue;
            }
            for viewer in Viewer::ALL {
                let answer = fetch(world, viewer, &record_path(folder, &rec.gid)).await;
                if answer != missing {
                    let label = format!("the page of hidden {} differs from a nonexistent {ty}'s", rec.label);
                    report.failures.push(failure(viewer, phase, label, format!("status {}", answer.0)));
                }
            }
        }
    }
}

fn failure(viewer: Viewer, phase: &'static str, label: String, detail: String) -> Failure {
    Failure { viewer, phase, label, query: String::new(), detail }
}
