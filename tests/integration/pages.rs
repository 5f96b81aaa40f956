//! The pages people read: a country's and a defender's, rendered from the
//! public API. They show what an anonymous reader of the API sees, no more:
//! no hidden record, no confidential field, the same 404 for a hidden record
//! as for one that never existed, and an API key changes nothing.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

const CREATE: &str = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";

/// Creates a defender as `key`; returns its id.
async fn create(app: &TestApp, key: &str, input: Value) -> String {
    let (status, body) = post_as(app, Some(key), CREATE, json!({ "input": input })).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["createDefender"]["defender"]["id"].as_str().unwrap_or_else(|| panic!("created: {body}")).to_owned()
}

/// GETs a page; returns status, headers and body.
async fn page(app: &TestApp, path: &str, key: Option<&str>) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = app.client.get(app.url(path));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("page requested");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("page body"))
}

/// A public defender, a private one and a public one with confidential
/// fields, all in Peru, written by one organisation.
struct Fixture {
    key: String,
    public: String,
    private: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let org = create_org(app, "Page Watch");
    let key = create_key(app, &org, "EDITOR");
    let public = create(
        app,
        &key,
        json!({ "name": "Pagina Publica", "countryCode": "PE", "visibility": "PUBLIC", "consent": "GIVEN",
                "occupation": "Land defender", "safetyNotes": "CONFIDENTIAL-NOTE-7",
                "exactLocation": "CONFIDENTIAL-PLACE-7", "contactDetails": "CONFIDENTIAL-CONTACT-7" }),
    )
    .await;
    let private = create(
        app,
        &key,
        json!({ "name": "HIDDEN-PERSON-7", "countryCode": "PE", "visibility": "PRIVATE", "consent": "GIVEN" }),
    )
    .await;
    Fixture { key, public, private }
}

fn assert_no_leak(html: &str) {
    for marker in ["HIDDEN-PERSON-7", "CONFIDENTIAL-NOTE-7", "CONFIDENTIAL-PLACE-7", "CONFIDENTIAL-CONTACT-7"] {
        assert!(!html.contains(marker), "a page shows {marker}");
    }
}

engine_tests!(a_country_page_shows_what_the_public_api_shows, |app: TestApp| async move {
    let fixture = fixture(&app).await;
    let (status, headers, html) = page(&app, "/countries/pe", None).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(html.contains("<h1>Peru"), "{html}");
    assert!(html.contains("Pagina Publica"), "the public defender is listed");
    assert_no_leak(&html);

    // The figures are the API's, for an anonymous reader.
    let data = app
        .data_with(
            "query ($code: String!) { country(code: $code) { defenders { totalCount } restrictions { totalCount } \
             campaigns { totalCount } } }",
            json!({ "code": "PE" }),
        )
        .await;
    for kind in ["defenders", "restrictions", "campaigns"] {
        let expected = data["country"][kind]["totalCount"].as_u64().expect("count");
        let shown = format!("<dd data-figure=\"{kind}\">{expected}</dd>");
        assert!(html.contains(&shown), "{kind}: expected {shown} in the page");
    }
    // Each defender links to its page, which links back to the country.
    let link = format!("/defenders/{}", url_segment(&fixture.public));
    assert!(html.contains(&format!("href=\"{link}\"")), "a link to {link}");
    let (status, _, defender) = page(&app, &link, None).await;
    assert_eq!(status, 200, "{defender}");
    assert!(defender.contains("<h1>Pagina Publica</h1>") && defender.contains("href=\"/countries/PE\""));
    assert!(defender.contains("Land defender"));
    assert_no_leak(&defender);

    // An API key changes nothing: pages are public.
    let (_, _, as_member) = page(&app, "/countries/PE", Some(&fixture.key)).await;
    assert_no_leak(&as_member);

    // A public page can be kept by an HTTP cache, and revalidated.
    let etag = headers["etag"].to_str().expect("etag").to_owned();
    assert!(headers["cache-control"].to_str().unwrap().starts_with("public"), "{headers:?}");
    let response =
        app.client.get(app.url("/countries/PE")).header("If-None-Match", &etag).send().await.expect("revalidated");
    assert_eq!(response.status(), 304);
});

// Every restriction and campaign page a country page links to opens, with
// the API's title and status and a link back to the country.
engine_tests!(record_pages_show_the_records_the_api_shows, |app: TestApp| async move {
    let data = app
        .data(
            "{ restrictions(first: 100) { nodes { id title status country { code } } } \
               campaigns(first: 100) { nodes { id title status countries { nodes { code } } } } \
               organisations(first: 100) { nodes { id title: name country { code } } } }",
        )
        .await;
    let restrictions = data["restrictions"]["nodes"].as_array().expect("restrictions");
    let campaigns = data["campaigns"]["nodes"].as_array().expect("campaigns");
    let organisations = data["organisations"]["nodes"].as_array().expect("organisations");
    assert!(!restrictions.is_empty() && !campaigns.is_empty() && !organisations.is_empty(), "sample data");
    for (kind, record, title) in restrictions
        .iter()
        .map(|r| ("restrictions", r, &r["title"]))
        .chain(campaigns.iter().map(|c| ("campaigns", c, &c["title"])))
        .chain(organisations.iter().map(|o| ("organisations", o, &o["title"])))
    {
        let path = format!("/{kind}/{}", url_segment(record["id"].as_str().expect("id")));
        let (status, _, html) = page(&app, &path, None).await;
        assert_eq!(status, 200, "{path}: {html}");
        let title = title.as_str().expect("title").replace('&', "&#38;").replace('\'', "&#39;").replace('"', "&#34;");
        assert!(html.contains(&format!("<h1>{title}")), "{path} has its title {title}");
        let code = record["country"]["code"].as_str().or(record["countries"]["nodes"][0]["code"].as_str());
        if let Some(code) = code {
            assert!(html.contains(&format!("href=\"/countries/{code}\"")), "{path} links to its country {code}");
        }
    }
});

// A subdivision's page counts what the API counts in it.
engine_tests!(a_subdivision_page_shows_what_the_public_api_shows, |app: TestApp| async move {
    let data = app
        .data(
            "{ subdivision(code: \"US-FL\") { name defenders { totalCount } restrictions { totalCount nodes { title } } \
               campaigns { totalCount } } }",
        )
        .await;
    let (status, _, html) = page(&app, "/subdivisions/us-fl", None).await;
    assert_eq!(status, 200, "{html}");
    let subdivision = &data["subdivision"];
    assert!(html.contains(&format!("<h1>{}", subdivision["name"].as_str().expect("name"))), "{html}");
    for kind in ["defenders", "restrictions", "campaigns"] {
        let shown = format!("<dd data-figure=\"{kind}\">{}</dd>", subdivision[kind]["totalCount"]);
        assert!(html.contains(&shown), "{kind}: expected {shown}");
    }
    assert!(subdivision["restrictions"]["totalCount"].as_u64() > Some(0), "the sample data has Florida's laws");
});

engine_tests!(a_hidden_record_has_the_same_page_as_none, |app: TestApp| async move {
    let fixture = fixture(&app).await;
    let (status, _, missing) = page(&app, &format!("/defenders/{}", nonexistent("Defender")), None).await;
    assert_eq!(status, 404);
    for path in [
        format!("/defenders/{}", url_segment(&fixture.private)),
        "/defenders/not-an-id".to_owned(),
        format!("/restrictions/{}", nonexistent("Restriction")),
        format!("/campaigns/{}", nonexistent("Campaign")),
        // A real id, of another kind of record.
        format!("/campaigns/{}", url_segment(&fixture.public)),
        "/restrictions/not-an-id".to_owned(),
        "/campaigns/not-an-id".to_owned(),
        format!("/organisations/{}", nonexistent("Organisation")),
        "/organisations/not-an-id".to_owned(),
        "/subdivisions/XX-YY".to_owned(),
        "/countries/XX".to_owned(),
        "/countries/not-a-code".to_owned(),
    ] {
        let (status, _, html) = page(&app, &path, None).await;
        assert_eq!((status, html.as_str()), (404, missing.as_str()), "{path}");
    }
    // Not even the owner's key opens a private record's page.
    let (status, _, html) =
        page(&app, &format!("/defenders/{}", url_segment(&fixture.private)), Some(&fixture.key)).await;
    assert_eq!((status, html.as_str()), (404, missing.as_str()));
    assert_no_leak(&missing);
});

/// The response cache off: the statements counted are the page's own, not
/// a cache lookup's, nor those of the cache's watch for changes.
fn uncached(settings: &mut rights_graph::Settings) {
    settings.cache.response_cache_mib = 0;
}

configured_tests!(a_page_costs_statements_fixed_by_its_shape, uncached, |app: TestApp| async move {
    let fixture = fixture(&app).await;
    let count = |path: String| {
        let app = &app;
        async move {
            let before = app.statements.get();
            let (status, _, _) = page(app, &path, None).await;
            assert_eq!(status, 200, "{path}");
            app.statements.get() - before
        }
    };
    // A first request pays for what a client's first request sets up (its
    // rate-limit entry); the counts compared are of requests after it.
    count("/countries/PE".into()).await;
    let country = count("/countries/PE".into()).await;
    let defender = count(format!("/defenders/{}", url_segment(&fixture.public))).await;
    for n in 0..30 {
        create(
            &app,
            &fixture.key,
            json!({ "name": format!("Another Person {n}"), "countryCode": "PE",
                                           "visibility": "PUBLIC", "consent": "GIVEN" }),
        )
        .await;
    }
    assert_eq!(count("/countries/PE".into()).await, country, "a country page's statements grew with its defenders");
    assert_eq!(count(format!("/defenders/{}", url_segment(&fixture.public))).await, defender);
});

/// A well-formed id of a record that does not exist.
fn nonexistent(kind: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{}", uuid::Uuid::now_v7()))
}

/// A global id as a path segment.
fn url_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20")
}

engine_tests!(place_pages_carry_a_map_of_the_place, |app: TestApp| async move {
    // Peru, marked, among its neighbours, each linked to its page.
    let (status, _, html) = page(&app, "/countries/PE", None).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<figure class="place-map">"#), "{html}");
    assert!(html.contains(r#"aria-label="Map of defenders per country around Peru, which is outlined""#));
    for neighbour in ["/countries/BR", "/countries/EC", "/countries/CL"] {
        assert!(html.contains(&format!(r#"<a href="{neighbour}""#)), "{neighbour} linked");
    }
    assert!(!html.contains(r#"<a href="/countries/PE""#), "the place itself is marked, not linked");
    assert_eq!(html.matches(r#"<path class="here""#).count(), 1);
    // Around Saudi Arabia lies Somaliland, which has no ISO code: drawn, not marked.
    let (_, _, html) = page(&app, "/countries/SA", None).await;
    assert!(html.contains("<title>Somaliland: 0 defenders</title>"), "{html}");
    // Coloured by defenders per country, as the API counts them.
    assert!(html.contains("<title>Saudi Arabia: 1 defender</title>"), "{html}");
    assert!(html.contains(r#"aria-label="Yemen: 0 defenders""#));
    assert_eq!(html.matches(r#"<path class="here""#).count(), 1, "only Saudi Arabia is marked");
    // A U.S. state: the states, this one marked, the others linked.
    let (_, _, html) = page(&app, "/subdivisions/US-FL", None).await;
    assert!(html.contains(r#"<a href="/subdivisions/US-ND""#));
    assert!(!html.contains(r#"<a href="/subdivisions/US-FL""#));
    assert_eq!(html.matches(r#"<path class="here""#).count(), 1);
    assert!(html.contains(r#"href="/?map=restrictions&#38;in=US#world-map""#), "the overview's U.S. map");
    // The United States: every state linked, coloured by its restrictions.
    let (_, _, html) = page(&app, "/countries/US", None).await;
    assert_eq!(html.matches(r#"<a href="/subdivisions/US-"#).count(), 51);
    assert!(html.contains(r#"aria-label="Florida: 1 restriction""#), "{html}");
    assert!(html.contains(r#"aria-label="Texas: 0 restrictions""#));
});
