//! The permission matrix: every kind of viewer against records of every
//! visibility and grant, on every read path and every defender write. The
//! expected outcome of each case is derived from the rules as docs/partners.md
//! states them, and compared with what the server does.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Org {
    Owner,
    Partner,
    Unrelated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Reader,
    Editor,
    Admin,
}

/// A viewer: anonymous (`None`), or an organisation and its key's role.
type Viewer = Option<(Org, Role)>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grant {
    None,
    Read,
    Edit,
    Confidential,
}

struct Record {
    label: String,
    visibility: &'static str,
    consent: &'static str,
    /// What the partner organisation was granted on it.
    grant: Grant,
    id: String,
}

fn can_read(viewer: Viewer, record: &Record) -> bool {
    match viewer {
        None => record.visibility == "PUBLIC" && record.consent == "GIVEN",
        Some((Org::Owner, _)) => true,
        Some((org, _)) => {
            (record.visibility == "PUBLIC" && record.consent == "GIVEN")
                || record.visibility == "PARTNERS"
                || (org == Org::Partner && record.grant != Grant::None)
        }
    }
}

fn can_edit(viewer: Viewer, record: &Record) -> bool {
    match viewer {
        Some((Org::Owner, role)) => role >= Role::Editor,
        Some((Org::Partner, role)) => role >= Role::Editor && record.grant == Grant::Edit,
        _ => false,
    }
}

fn can_see_confidential(viewer: Viewer, record: &Record) -> bool {
    matches!(viewer, Some((Org::Owner, _)))
        || (matches!(viewer, Some((Org::Partner, _))) && record.grant == Grant::Confidential)
}

/// The error code a refused write must carry.
fn write_refusal(viewer: Viewer, record: &Record, needs: Role) -> &'static str {
    match viewer {
        None => "UNAUTHENTICATED",
        Some((_, role)) if role < needs => "FORBIDDEN",
        Some(_) if can_read(viewer, record) => "FORBIDDEN",
        Some(_) => "NOT_FOUND",
    }
}

engine_tests!(every_viewer_on_every_path, |app: TestApp| async move {
    let orgs = [create_org(&app, "Owner"), create_org(&app, "Partner"), create_org(&app, "Unrelated")];
    let mut keys = Vec::new();
    for (org, org_id) in [Org::Owner, Org::Partner, Org::Unrelated].into_iter().zip(&orgs) {
        for (role, name) in [(Role::Reader, "READER"), (Role::Editor, "EDITOR"), (Role::Admin, "ADMIN")] {
            keys.push(((org, role), create_key(&app, org_id, name)));
        }
    }
    let owner_admin = keys.iter().find(|(v, _)| *v == (Org::Owner, Role::Admin)).unwrap().1.clone();

    let mut records = vec![
        Record {
            label: "public".into(),
            visibility: "PUBLIC",
            consent: "GIVEN",
            grant: Grant::None,
            id: String::new(),
        },
        Record {
            label: "partners".into(),
            visibility: "PARTNERS",
            consent: "LIMITED",
            grant: Grant::None,
            id: String::new(),
        },
        Record {
            label: "private".into(),
            visibility: "PRIVATE",
            consent: "UNKNOWN",
            grant: Grant::None,
            id: String::new(),
        },
        Record {
            label: "private-read".into(),
            visibility: "PRIVATE",
            consent: "UNKNOWN",
            grant: Grant::Read,
            id: String::new(),
        },
        Record {
            label: "private-edit".into(),
            visibility: "PRIVATE",
            consent: "UNKNOWN",
            grant: Grant::Edit,
            id: String::new(),
        },
        Record {
            label: "private-confidential".into(),
            visibility: "PRIVATE",
            consent: "NOT_GIVEN",
            grant: Grant::Confidential,
            id: String::new(),
        },
    ];
    for record in &mut records {
        let (_, body) = post_as(
            &app,
            Some(&owner_admin),
            "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }",
            json!({ "input": { "name": format!("Matrix {}", record.label), "countryCode": "NO", "visibility": record.visibility,
                               "consent": record.consent, "safetyNotes": format!("SECRET[{}]", record.label) } }),
        )
        .await;
        record.id = body["data"]["createDefender"]["defender"]["id"].as_str().expect("created").to_owned();
        if record.grant != Grant::None {
            let (access, confidential) = match record.grant {
                Grant::Edit => ("EDIT", false),
                Grant::Confidential => ("READ", true),
                _ => ("READ", false),
            };
            let (_, body) = post_as(
                &app,
                Some(&owner_admin),
                "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }",
                json!({ "input": { "recordId": record.id, "organisationId": orgs[1], "access": access, "confidential": confidential } }),
            )
            .await;
            assert!(body.get("errors").is_none(), "{body}");
        }
    }

    let mut viewers: Vec<(Viewer, Option<String>)> = vec![(None, None)];
    viewers.extend(keys.iter().map(|(viewer, key)| (Some(*viewer), Some(key.clone()))));
    let mut cases = 0;

    // Reads: lookup, node, list membership with totalCount, nested list, confidential field.
    for (viewer, key) in &viewers {
        let (_, body) = post_as(
            &app,
            key.as_deref(),
            r#"{ defenders(filter: { countryCodes: ["NO"] }, first: 100) { totalCount nodes { id safetyNotes } }
                 country(code: "NO") { defenders(first: 100) { totalCount nodes { id } } } }"#,
            json!({}),
        )
        .await;
        let listed: Vec<&str> =
            body["data"]["defenders"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
        let nested: Vec<&str> = body["data"]["country"]["defenders"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap())
            .collect();
        let visible: Vec<&Record> = records.iter().filter(|r| can_read(*viewer, r)).collect();
        assert_eq!(body["data"]["defenders"]["totalCount"], visible.len(), "{viewer:?} totalCount");
        assert_eq!(body["data"]["country"]["defenders"]["totalCount"], visible.len(), "{viewer:?} nested totalCount");
        for record in &records {
            let expected = can_read(*viewer, record);
            assert_eq!(listed.contains(&record.id.as_str()), expected, "{viewer:?} lists {}", record.label);
            assert_eq!(nested.contains(&record.id.as_str()), expected, "{viewer:?} nested {}", record.label);
            let (_, one) = post_as(
                &app,
                key.as_deref(),
                "query ($id: ID!) { defender(id: $id) { id safetyNotes } node(id: $id) { id } }",
                json!({ "id": record.id }),
            )
            .await;
            if expected {
                assert_eq!(one["data"]["defender"]["id"], record.id.as_str(), "{viewer:?} reads {}", record.label);
                assert_eq!(one["data"]["node"]["id"], record.id.as_str());
                let secret = one["data"]["defender"]["safetyNotes"].clone();
                if can_see_confidential(*viewer, record) {
                    assert_eq!(
                        secret,
                        json!(format!("SECRET[{}]", record.label)),
                        "{viewer:?} confidential {}",
                        record.label
                    );
                } else {
                    assert_eq!(secret, Value::Null, "{viewer:?} must not see confidential {}", record.label);
                }
            } else {
                assert_eq!(
                    one["data"],
                    json!({ "defender": null, "node": null }),
                    "{viewer:?} must not read {}",
                    record.label
                );
                assert!(one["errors"].as_array().unwrap().iter().all(|e| e["extensions"]["code"] == "NOT_FOUND"));
                assert!(!one.to_string().contains("Matrix"), "{viewer:?}: an error names {}", record.label);
            }
            cases += 5;
        }
        let text = body.to_string();
        for record in &records {
            let secret = format!("SECRET[{}]", record.label);
            assert_eq!(
                text.contains(&secret),
                can_read(*viewer, record) && can_see_confidential(*viewer, record),
                "{viewer:?} {secret}"
            );
        }
    }

    // Writes: update, archive and restore, share. Each viewer tries each on each record.
    for (viewer, key) in &viewers {
        for record in &records {
            let version = |body: &Value| body["data"]["defender"]["version"].as_i64().unwrap();
            let (_, current) = post_as(
                &app,
                Some(&owner_admin),
                "query ($id: ID!) { defender(id: $id) { version } }",
                json!({ "id": record.id }),
            )
            .await;
            let v = version(&current);

            let (_, body) = post_as(
                &app,
                key.as_deref(),
                "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }",
                json!({ "input": { "id": record.id, "expectedVersion": v, "summary": format!("edited by {viewer:?}") } }),
            )
            .await;
            if can_edit(*viewer, record) {
                assert_eq!(
                    body["data"]["updateDefender"]["defender"]["version"],
                    v + 1,
                    "{viewer:?} updates {}: {body}",
                    record.label
                );
            } else {
                assert_eq!(
                    body["errors"][0]["extensions"]["code"],
                    write_refusal(*viewer, record, Role::Editor),
                    "{viewer:?} updates {}: {body}",
                    record.label
                );
            }

            let (_, current) = post_as(
                &app,
                Some(&owner_admin),
                "query ($id: ID!) { defender(id: $id) { version } }",
                json!({ "id": record.id }),
            )
            .await;
            let v = version(&current);
            let (_, body) = post_as(
                &app,
                key.as_deref(),
                "mutation ($input: RecordVersionInput!) { archiveDefender(input: $input) { defender { version } } }",
                json!({ "input": { "id": record.id, "expectedVersion": v } }),
            )
            .await;
            if can_edit(*viewer, record) {
                assert_eq!(
                    body["data"]["archiveDefender"]["defender"]["version"],
                    v + 1,
                    "{viewer:?} archives {}: {body}",
                    record.label
                );
                let restore = "mutation ($input: RecordVersionInput!) { restoreDefender(input: $input) { defender { version } } }";
                let input = json!({ "input": { "id": record.id, "expectedVersion": v + 1 } });
                let (_, body) = post_as(&app, key.as_deref(), restore, input.clone()).await;
                if matches!(viewer, Some((Org::Owner, _))) {
                    assert_eq!(
                        body["data"]["restoreDefender"]["defender"]["version"],
                        v + 2,
                        "{viewer:?} restores {}: {body}",
                        record.label
                    );
                } else {
                    // An archived record is hidden from every read: to an
                    // organisation it was shared with, it is unknown, and
                    // only its contributor brings it back.
                    assert_eq!(
                        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
                        "{viewer:?} restores {}: {body}",
                        record.label
                    );
                    let (_, body) = post_as(&app, Some(&owner_admin), restore, input).await;
                    assert_eq!(body["data"]["restoreDefender"]["defender"]["version"], v + 2, "{body}");
                }
            } else {
                assert_eq!(
                    body["errors"][0]["extensions"]["code"],
                    write_refusal(*viewer, record, Role::Editor),
                    "{viewer:?} archives {}: {body}",
                    record.label
                );
            }

            let (_, body) = post_as(
                &app,
                key.as_deref(),
                "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }",
                json!({ "input": { "recordId": record.id, "organisationId": orgs[2], "access": "READ" } }),
            )
            .await;
            let may_share = matches!(viewer, Some((Org::Owner, Role::Admin)));
            if may_share {
                assert_eq!(body["data"]["shareRecord"]["access"], "READ", "{viewer:?} shares {}: {body}", record.label);
                let (_, body) = post_as(
                    &app,
                    key.as_deref(),
                    "mutation ($input: UnshareRecordInput!) { unshareRecord(input: $input) { removed } }",
                    json!({ "input": { "recordId": record.id, "organisationId": orgs[2] } }),
                )
                .await;
                assert_eq!(body["data"]["unshareRecord"]["removed"], true);
            } else {
                let expected = match viewer {
                    None => "UNAUTHENTICATED",
                    Some((_, role)) if *role < Role::Admin => "FORBIDDEN",
                    Some(_) if can_read(*viewer, record) => "FORBIDDEN",
                    Some(_) => "NOT_FOUND",
                };
                assert_eq!(
                    body["errors"][0]["extensions"]["code"], expected,
                    "{viewer:?} shares {}: {body}",
                    record.label
                );
            }
            cases += 3;
        }
    }
    eprintln!("{:?}: {cases} permission cases ({} viewers × {} records)", app.engine, viewers.len(), records.len());
    assert_eq!(cases, viewers.len() * records.len() * 8);
});

/// How to create, find and change records of one type.
struct Kind {
    name: &'static str,
    /// `create<Name>` input for a record with this label and visibility.
    input: fn(&str, &str) -> Value,
    /// The field that renames the record in `update<Name>`.
    rename: &'static str,
    /// The root list of this type, if it has one.
    list: Option<&'static str>,
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_lowercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

engine_tests!(every_viewer_on_every_record_type, |app: TestApp| async move {
    let orgs = [create_org(&app, "Owner"), create_org(&app, "Partner"), create_org(&app, "Unrelated")];
    let mut viewers: Vec<(Viewer, Option<String>)> = vec![(None, None)];
    for (org, org_id) in [Org::Owner, Org::Partner, Org::Unrelated].into_iter().zip(&orgs) {
        for (role, name) in [(Role::Reader, "READER"), (Role::Editor, "EDITOR"), (Role::Admin, "ADMIN")] {
            viewers.push((Some((org, role)), Some(create_key(&app, org_id, name))));
        }
    }
    let owner_admin = viewers.iter().find(|(v, _)| *v == Some((Org::Owner, Role::Admin))).unwrap().1.clone().unwrap();
    let kinds = [
        Kind {
            name: "Restriction",
            input: |label, visibility| json!({ "title": label, "kind": "LAW", "status": "ENACTED", "countryCode": "NO", "visibility": visibility }),
            rename: "title",
            list: Some("restrictions"),
        },
        Kind {
            name: "Campaign",
            input: |label, visibility| json!({ "title": label, "kind": "PETITION", "visibility": visibility, "areas": ["NO"] }),
            rename: "title",
            list: Some("campaigns"),
        },
        Kind {
            name: "Organisation",
            input: |label, visibility| json!({ "name": label, "kind": "COMPANY", "visibility": visibility }),
            rename: "name",
            list: Some("organisations"),
        },
        Kind {
            name: "Source",
            input: |label, visibility| json!({ "title": label, "visibility": visibility }),
            rename: "title",
            list: None,
        },
    ];
    let grants = [
        ("public", "PUBLIC", Grant::None),
        ("partners", "PARTNERS", Grant::None),
        ("private", "PRIVATE", Grant::None),
        ("private-read", "PRIVATE", Grant::Read),
        ("private-edit", "PRIVATE", Grant::Edit),
    ];
    let mut cases = 0;
    for kind in &kinds {
        let field = lower_first(kind.name);
        let mut records = Vec::new();
        for (label, visibility, grant) in grants {
            let label = format!("{} {label}", kind.name);
            let (_, body) = post_as(
                &app,
                Some(&owner_admin),
                &format!(
                    "mutation ($input: Create{name}Input!) {{ create{name}(input: $input) {{ {field} {{ id }} }} }}",
                    name = kind.name
                ),
                json!({ "input": (kind.input)(&label, visibility) }),
            )
            .await;
            let id = body["data"][format!("create{}", kind.name)][&field]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned();
            if grant != Grant::None {
                let access = if grant == Grant::Edit { "EDIT" } else { "READ" };
                let (_, body) = post_as(
                    &app,
                    Some(&owner_admin),
                    "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }",
                    json!({ "input": { "recordId": id, "organisationId": orgs[1], "access": access } }),
                )
                .await;
                assert!(body.get("errors").is_none(), "{body}");
            }
            // Consent does not apply outside defenders: PUBLIC means public.
            records.push(Record { label, visibility, consent: "GIVEN", grant, id });
        }
        for (viewer, key) in &viewers {
            let listed: Vec<String> = match kind.list {
                Some(list) => {
                    let (_, body) = post_as(
                        &app,
                        key.as_deref(),
                        &format!("{{ {list}(first: 100) {{ nodes {{ id }} }} }}"),
                        json!({}),
                    )
                    .await;
                    body["data"][list]["nodes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n["id"].as_str().unwrap().to_owned())
                        .collect()
                }
                None => Vec::new(),
            };
            for record in &records {
                let expected = can_read(*viewer, record);
                if kind.list.is_some() {
                    assert_eq!(listed.contains(&record.id), expected, "{viewer:?} lists {}", record.label);
                    cases += 1;
                }
                let (_, body) = post_as(
                    &app,
                    key.as_deref(),
                    &format!("query ($id: ID!) {{ node(id: $id) {{ id }} {field}: node(id: $id) {{ ... on {name} {{ version }} }} }}", name = kind.name),
                    json!({ "id": record.id }),
                )
                .await;
                assert_eq!(
                    body["data"]["node"]["id"].as_str() == Some(record.id.as_str()),
                    expected,
                    "{viewer:?} reads {}: {body}",
                    record.label
                );
                let (_, current) = post_as(
                    &app,
                    Some(&owner_admin),
                    &format!(
                        "query ($id: ID!) {{ node(id: $id) {{ ... on {name} {{ version }} }} }}",
                        name = kind.name
                    ),
                    json!({ "id": record.id }),
                )
                .await;
                let version = current["data"]["node"]["version"].as_i64().unwrap();
                let (_, body) = post_as(
                    &app,
                    key.as_deref(),
                    &format!("mutation ($input: Update{name}Input!) {{ update{name}(input: $input) {{ {field} {{ version }} }} }}", name = kind.name),
                    json!({ "input": { "id": record.id, "expectedVersion": version, kind.rename: format!("{} renamed by {viewer:?}", record.label) } }),
                )
                .await;
                if can_edit(*viewer, record) {
                    assert_eq!(
                        body["data"][format!("update{}", kind.name)][&field]["version"],
                        version + 1,
                        "{viewer:?} updates {}: {body}",
                        record.label
                    );
                } else {
                    assert_eq!(
                        body["errors"][0]["extensions"]["code"],
                        write_refusal(*viewer, record, Role::Editor),
                        "{viewer:?} updates {}: {body}",
                        record.label
                    );
                }
                cases += 2;
            }
        }
    }
    eprintln!("{:?}: {cases} permission cases across restrictions, campaigns, organisations and sources", app.engine);
    assert!(cases > 500);
});
