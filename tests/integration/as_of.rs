//! Records as they stood at a past moment (`asOf`), against a scripted
//! history of edits, a merge and an unmerge: past values and versions,
//! null before creation, future moments refused, visibility and
//! confidential fields judged now, a campaign's linked defenders,
//! restrictions and places as they were then, a defender's case events,
//! affiliations and merged ids and a restriction's status history as they
//! were then, and the sources each record cited then.

use crate::common;

use common::{TestApp, create_key, create_org, post_as};
use serde_json::{Value, json};

const CREATE: &str = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";
const UPDATE: &str =
    "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
const MERGE: &str = "mutation ($input: MergeInput!) { mergeDefenders(input: $input) { defender { id } } }";
const UNMERGE: &str = "mutation ($input: UnmergeInput!) { unmergeDefender(input: $input) { defender { id } } }";
const THEN: &str = "query ($id: ID!, $at: DateTime) { defender(id: $id, asOf: $at) {
    name status visibility occupation exactLocation sectors otherNames { name language }
    version } }";
const NODE_THEN: &str =
    "query ($id: ID!, $at: DateTime) { node(id: $id, asOf: $at) { id ... on Defender { name version } } }";

fn gid(ty: &str, uuid: uuid::Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{ty}:{uuid}"))
}

async fn create(app: &TestApp, key: &str, input: Value) -> String {
    let (_, body) = post_as(app, Some(key), CREATE, json!({ "input": input })).await;
    body["data"]["createDefender"]["defender"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn ok(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> Value {
    let (_, body) = post_as(app, key, query, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

/// A moment strictly between the writes before and after it.
async fn moment() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    at
}

async fn then(app: &TestApp, key: Option<&str>, id: &str, at: &str) -> Value {
    ok(app, key, THEN, json!({ "id": id, "at": at })).await["defender"].clone()
}

engine_tests!(records_are_read_as_they_stood, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Gulf Watch"), create_org(&app, "Prison Monitor"));
    let (key_a, key_b) = (create_key(&app, &a, "EDITOR"), create_key(&app, &b, "EDITOR"));
    let before_creation = moment().await;
    let id = create(
        &app,
        &key_a,
        json!({ "name": "Salma Early", "countryCode": "SA", "status": "AT_RISK", "visibility": "PARTNERS",
                "exactLocation": "Old address", "sectors": ["WOMENS_RIGHTS"] }),
    )
    .await;
    let created = moment().await;
    let update = |version: i64, fields: Value| {
        let mut input = json!({ "id": id, "expectedVersion": version });
        input.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        json!({ "input": input })
    };
    ok(
        &app,
        Some(&key_a),
        UPDATE,
        update(
            1,
            json!({ "name": "Salma Later", "occupation": "Student",
        "otherNames": [{ "name": "سلمى", "kind": "NATIVE_NAME", "language": "ar" }] }),
        ),
    )
    .await;
    let renamed = moment().await;
    ok(
        &app,
        Some(&key_a),
        UPDATE,
        update(
            2,
            json!({ "status": "DETAINED", "exactLocation": "Prison",
        "sectors": ["WOMENS_RIGHTS", "JOURNALISM"] }),
        ),
    )
    .await;
    let detained = moment().await;

    // Before the record existed: null, and no error.
    let (_, body) = post_as(&app, Some(&key_a), THEN, json!({ "id": id, "at": before_creation })).await;
    assert_eq!(body, json!({ "data": { "defender": null } }));
    // Each moment gives the values and the version of then.
    let first = then(&app, Some(&key_a), &id, &created).await;
    assert_eq!(
        first,
        json!({ "name": "Salma Early", "status": "AT_RISK", "visibility": "PARTNERS", "occupation": null,
                "exactLocation": "Old address", "sectors": ["WOMENS_RIGHTS"], "otherNames": [], "version": 1 })
    );
    let second = then(&app, Some(&key_a), &id, &renamed).await;
    assert_eq!((second["name"].as_str(), second["status"].as_str()), (Some("Salma Later"), Some("AT_RISK")));
    assert_eq!(second["otherNames"], json!([{ "name": "سلمى", "language": "ar" }]));
    assert_eq!((second["exactLocation"].as_str(), second["version"].as_i64()), (Some("Old address"), Some(2)));
    let third = then(&app, Some(&key_a), &id, &detained).await;
    let now = ok(&app, Some(&key_a), THEN, json!({ "id": id })).await["defender"].clone();
    assert_eq!(third, now, "the latest moment gives the record as it is");
    // node(id:, asOf:) gives the same.
    let node = ok(&app, Some(&key_a), NODE_THEN, json!({ "id": id, "at": created })).await;
    assert_eq!(node["node"]["name"], "Salma Early");
    assert_eq!(node["node"]["version"], 1);

    // Confidential fields are judged now: a partner without confidential
    // access never sees the past location.
    let partner = then(&app, Some(&key_b), &id, &created).await;
    assert_eq!((partner["name"].as_str(), &partner["exactLocation"]), (Some("Salma Early"), &Value::Null));
    // Visibility is judged now: once PRIVATE, the partner sees no past of
    // it, exactly as for an id that never existed.
    ok(&app, Some(&key_a), UPDATE, update(3, json!({ "visibility": "PRIVATE" }))).await;
    let (_, hidden) = post_as(&app, Some(&key_b), THEN, json!({ "id": id, "at": created })).await;
    let never = gid("Defender", uuid::Uuid::now_v7());
    let (_, missing) = post_as(&app, Some(&key_b), THEN, json!({ "id": never, "at": created })).await;
    assert_eq!(hidden["errors"][0]["extensions"]["code"], "NOT_FOUND", "{hidden}");
    assert_eq!(
        hidden["errors"][0]["message"].as_str().unwrap().replace(&id, "ID"),
        missing["errors"][0]["message"].as_str().unwrap().replace(&never, "ID")
    );
    assert_eq!(hidden["data"], missing["data"]);

    // Future moments are refused, with the argument named.
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let (_, body) = post_as(&app, Some(&key_a), THEN, json!({ "id": id, "at": future })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["argument"], "asOf", "{body}");
    // asOf applies to defenders, restrictions and campaigns only.
    let (_, body) = post_as(&app, Some(&key_a), NODE_THEN, json!({ "id": a, "at": created })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
});

engine_tests!(merges_and_unmerges_are_read_as_they_stood, |app: TestApp| async move {
    let a = create_org(&app, "Gulf Watch");
    let key = create_key(&app, &a, "EDITOR");
    let survivor = create(
        &app,
        &key,
        json!({ "name": "Ahmed Survivor", "countryCode": "SA", "visibility": "PUBLIC", "consent": "GIVEN" }),
    )
    .await;
    let absorbed =
        create(&app, &key, json!({ "name": "Ahmed Absorbed", "countryCode": "SA", "visibility": "PARTNERS" })).await;
    let apart = moment().await;
    ok(&app, Some(&key), MERGE, json!({ "input": { "survivorId": survivor, "absorbedId": absorbed } })).await;
    let merged = moment().await;
    ok(&app, Some(&key), UNMERGE, json!({ "input": { "absorbedId": absorbed } })).await;
    let unmerged = moment().await;

    // The survivor took the narrower visibility while merged, and got its own back.
    let visibility = |d: Value| d["visibility"].as_str().unwrap().to_owned();
    assert_eq!(visibility(then(&app, Some(&key), &survivor, &apart).await), "PUBLIC");
    assert_eq!(visibility(then(&app, Some(&key), &survivor, &merged).await), "PARTNERS");
    assert_eq!(visibility(then(&app, Some(&key), &survivor, &unmerged).await), "PUBLIC");
    // The absorbed record, visible again, reads as it stood at each moment.
    for at in [&apart, &merged, &unmerged] {
        let past = then(&app, Some(&key), &absorbed, at).await;
        assert_eq!(past["name"], "Ahmed Absorbed", "{past}");
    }
    // Anonymous readers see the public survivor's past, and never the
    // absorbed record (PARTNERS), at any moment.
    assert_eq!(visibility(then(&app, None, &survivor, &merged).await), "PARTNERS");
    let (_, body) = post_as(&app, None, THEN, json!({ "id": absorbed, "at": apart })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");
});

engine_tests!(campaign_links_are_read_as_they_stood, |app: TestApp| async move {
    let (a, c) = (create_org(&app, "Gulf Watch"), create_org(&app, "Partner Network"));
    let (key, partner) = (create_key(&app, &a, "EDITOR"), create_key(&app, &c, "EDITOR"));
    let person = |name: &str| json!({ "name": name, "countryCode": "SA", "visibility": "PARTNERS" });
    let first = create(&app, &key, person("First Defender")).await;
    let second = create(&app, &key, person("Second Defender")).await;
    let absorbed = create(&app, &key, person("Absorbed Defender")).await;
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation { createRestriction(input: { title: \"Protest law\", kind: LAW, status: ENACTED,
            countryCode: \"SA\", visibility: PARTNERS }) { restriction { id } } }",
        json!({}),
    )
    .await;
    let law =
        body["data"]["createRestriction"]["restriction"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
        json!({ "input": { "title": "Free them", "kind": "INDIVIDUAL_CASE", "visibility": "PARTNERS",
                            "defenderIds": [first, absorbed], "restrictionIds": [law] } }),
    )
    .await;
    let campaign =
        body["data"]["createCampaign"]["campaign"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let created = moment().await;
    let update = "mutation ($input: UpdateCampaignInput!) { updateCampaign(input: $input) { campaign { version } } }";
    let change = |version: i64, fields: Value| {
        let mut input = json!({ "id": campaign, "expectedVersion": version });
        input.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        json!({ "input": input })
    };
    ok(&app, Some(&key), update, change(1, json!({ "defenderIds": [first, absorbed, second], "restrictionIds": [] })))
        .await;
    let widened = moment().await;
    ok(&app, Some(&key), update, change(2, json!({ "defenderIds": [second] }))).await;
    let narrowed = moment().await;
    // Merged after the campaign's changes: its past lists name the absorbed
    // record, which lives on as the survivor.
    ok(&app, Some(&key), MERGE, json!({ "input": { "survivorId": first, "absorbedId": absorbed } })).await;

    let links = "query ($id: ID!, $at: DateTime) { campaign(id: $id, asOf: $at) {
        defenders { totalCount nodes { name } } restrictions { totalCount nodes { title } } } }";
    let names = |data: &Value, list: &str, field: &str| -> Vec<String> {
        let nodes = data["campaign"][list]["nodes"].as_array().unwrap_or_else(|| panic!("{data}"));
        let names: Vec<String> = nodes.iter().map(|n| n[field].as_str().unwrap().to_owned()).collect();
        assert_eq!(data["campaign"][list]["totalCount"], json!(names.len()), "{data}");
        names
    };
    let at = |moment: &str| json!({ "id": campaign, "at": moment });
    let then = ok(&app, Some(&key), links, at(&created)).await;
    assert_eq!(
        names(&then, "defenders", "name"),
        vec!["First Defender"],
        "the absorbed record lives on as the survivor"
    );
    assert_eq!(names(&then, "restrictions", "title"), vec!["Protest law"]);
    let then = ok(&app, Some(&key), links, at(&widened)).await;
    assert_eq!(names(&then, "defenders", "name"), vec!["First Defender", "Second Defender"]);
    assert!(names(&then, "restrictions", "title").is_empty());
    let then = ok(&app, Some(&key), links, at(&narrowed)).await;
    let now = ok(&app, Some(&key), links, json!({ "id": campaign })).await;
    assert_eq!(then, now, "the latest moment gives the lists as they are");
    assert_eq!(names(&now, "defenders", "name"), vec!["Second Defender"]);

    // Visibility is judged now: a defender made PRIVATE since is left out
    // of the partner's past list, count included, exactly as if never listed.
    let partner_then = ok(&app, Some(&partner), links, at(&widened)).await;
    assert_eq!(names(&partner_then, "defenders", "name"), vec!["First Defender", "Second Defender"]);
    ok(&app, Some(&key), UPDATE, json!({ "input": { "id": second, "expectedVersion": 1, "visibility": "PRIVATE" } }))
        .await;
    let partner_then = ok(&app, Some(&partner), links, at(&widened)).await;
    assert_eq!(names(&partner_then, "defenders", "name"), vec!["First Defender"]);
    // The other side: the campaigns that listed a defender or a restriction then.
    let campaigns_of = |field: &str| {
        format!(
            "query ($id: ID!, $at: DateTime) {{ {field}(id: $id, asOf: $at) {{ campaigns {{ totalCount nodes {{ title }} }} }} }}"
        )
    };
    let (of_defender, of_restriction) = (campaigns_of("defender"), campaigns_of("restriction"));
    let titles = |data: Value, field: &str| -> Vec<String> {
        let nodes = data[field]["campaigns"]["nodes"].as_array().unwrap_or_else(|| panic!("{data}")).clone();
        assert_eq!(data[field]["campaigns"]["totalCount"], json!(nodes.len()), "{data}");
        nodes.iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect()
    };
    let listed = |key: &str, query: &str, field: &'static str, id: &str, at: Option<&str>| {
        let (app, key, query, id, at) = (&app, key.to_owned(), query.to_owned(), id.to_owned(), at.map(str::to_owned));
        async move {
            let variables = match at {
                Some(at) => json!({ "id": id, "at": at }),
                None => json!({ "id": id }),
            };
            titles(ok(app, Some(&key), &query, variables).await, field)
        }
    };
    let free = vec!["Free them".to_owned()];
    assert_eq!(listed(&key, &of_restriction, "restriction", &law, Some(&created)).await, free);
    assert!(listed(&key, &of_restriction, "restriction", &law, Some(&widened)).await.is_empty());
    assert!(listed(&key, &of_defender, "defender", &second, Some(&created)).await.is_empty());
    assert_eq!(listed(&key, &of_defender, "defender", &second, Some(&widened)).await, free);
    assert_eq!(listed(&key, &of_defender, "defender", &first, Some(&widened)).await, free);
    assert!(listed(&key, &of_defender, "defender", &first, Some(&narrowed)).await.is_empty());
    // A campaign created later did not list it then; one the viewer may not
    // see is left out, as if it never existed.
    let (_, body) = post_as(
        &app,
        Some(&partner),
        "mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
        json!({ "input": { "title": "Partner's own", "kind": "PETITION", "visibility": "PRIVATE", "defenderIds": [first] } }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let later = moment().await;
    assert!(listed(&partner, &of_defender, "defender", &first, Some(&narrowed)).await.is_empty());
    let own = vec!["Partner's own".to_owned()];
    assert_eq!(listed(&partner, &of_defender, "defender", &first, Some(&later)).await, own);
    assert!(listed(&key, &of_defender, "defender", &first, Some(&later)).await.is_empty());
    assert!(listed(&key, &of_defender, "defender", &first, None).await.is_empty());

    // Filters, order and pages apply to the past list as to the list now.
    let page = "query ($id: ID!, $at: DateTime) { campaign(id: $id, asOf: $at) {
        defenders(first: 1, orderBy: { field: NAME, direction: DESC }) { totalCount nodes { name } pageInfo { hasNextPage } } } }";
    let page = ok(&app, Some(&key), page, at(&widened)).await;
    assert_eq!(
        page["campaign"]["defenders"],
        json!({ "totalCount": 2, "nodes": [{ "name": "Second Defender" }], "pageInfo": { "hasNextPage": true } })
    );
});

engine_tests!(defender_links_are_read_as_they_stood, |app: TestApp| async move {
    let (a, c) = (create_org(&app, "Gulf Watch"), create_org(&app, "Partner Network"));
    let (key, partner) = (create_key(&app, &a, "EDITOR"), create_key(&app, &c, "EDITOR"));
    let mut laws = Vec::new();
    for title in ["Assembly law", "Cybercrime law"] {
        let (_, body) = post_as(
            &app,
            Some(&key),
            "mutation ($title: String!) { createRestriction(input: { title: $title, kind: LAW, status: ENACTED,
                countryCode: \"SA\", visibility: PARTNERS }) { restriction { id } } }",
            json!({ "title": title }),
        )
        .await;
        laws.push(
            body["data"]["createRestriction"]["restriction"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
    }
    let link = |law: usize, relation: &str| json!({ "restrictionId": laws[law], "relation": relation });
    let id = create(
        &app,
        &key,
        json!({ "name": "Linked Defender", "countryCode": "SA", "visibility": "PARTNERS",
                "restrictionLinks": [link(0, "CHARGED_UNDER")] }),
    )
    .await;
    let charged = moment().await;
    let relink = |version: i64, links: Value| json!({ "input": { "id": id, "expectedVersion": version, "restrictionLinks": links } });
    ok(&app, Some(&key), UPDATE, relink(1, json!([link(0, "DETAINED_UNDER"), link(1, "CHARGED_UNDER")]))).await;
    let detained = moment().await;
    ok(&app, Some(&key), UPDATE, relink(2, json!([link(1, "SENTENCED_UNDER")]))).await;

    let query = "query ($id: ID!, $at: DateTime) { defender(id: $id, asOf: $at) {
        restrictions { totalCount edges { relation node { title } } } } }";
    let links = |data: Value| -> Vec<(String, String)> {
        let edges = data["defender"]["restrictions"]["edges"].as_array().unwrap_or_else(|| panic!("{data}")).clone();
        assert_eq!(data["defender"]["restrictions"]["totalCount"], json!(edges.len()), "{data}");
        edges
            .iter()
            .map(|e| (e["node"]["title"].as_str().unwrap().to_owned(), e["relation"].as_str().unwrap().to_owned()))
            .collect()
    };
    let pair = |title: &str, relation: &str| (title.to_owned(), relation.to_owned());
    let at = |moment: &str| json!({ "id": id, "at": moment });
    assert_eq!(links(ok(&app, Some(&key), query, at(&charged)).await), vec![pair("Assembly law", "CHARGED_UNDER")]);
    assert_eq!(
        links(ok(&app, Some(&key), query, at(&detained)).await),
        vec![pair("Assembly law", "DETAINED_UNDER"), pair("Cybercrime law", "CHARGED_UNDER")]
    );
    assert_eq!(
        links(ok(&app, Some(&key), query, json!({ "id": id })).await),
        vec![pair("Cybercrime law", "SENTENCED_UNDER")]
    );
    // The restriction's side: the defenders it concerned then, with how.
    let concerned = "query ($id: ID!, $at: DateTime) { restriction(id: $id, asOf: $at) {
        defenders { totalCount edges { relation node { name } } } } }";
    let defenders = |data: Value| -> Vec<(String, String)> {
        let edges = data["restriction"]["defenders"]["edges"].as_array().unwrap_or_else(|| panic!("{data}")).clone();
        assert_eq!(data["restriction"]["defenders"]["totalCount"], json!(edges.len()), "{data}");
        edges
            .iter()
            .map(|e| (e["node"]["name"].as_str().unwrap().to_owned(), e["relation"].as_str().unwrap().to_owned()))
            .collect()
    };
    let of_law = |law: usize, moment: Option<&str>| {
        let variables = match moment {
            Some(at) => json!({ "id": laws[law], "at": at }),
            None => json!({ "id": laws[law] }),
        };
        let key = key.clone();
        let app = &app;
        async move { defenders(ok(app, Some(&key), concerned, variables).await) }
    };
    assert_eq!(of_law(0, Some(&charged)).await, vec![pair("Linked Defender", "CHARGED_UNDER")]);
    assert_eq!(of_law(0, Some(&detained)).await, vec![pair("Linked Defender", "DETAINED_UNDER")]);
    assert!(of_law(0, None).await.is_empty());
    assert!(of_law(1, Some(&charged)).await.is_empty());
    assert_eq!(of_law(1, Some(&detained)).await, vec![pair("Linked Defender", "CHARGED_UNDER")]);
    assert_eq!(of_law(1, None).await, vec![pair("Linked Defender", "SENTENCED_UNDER")]);
    // A restriction hidden since is left out of the partner's past list, as if never linked.
    assert_eq!(links(ok(&app, Some(&partner), query, at(&detained)).await).len(), 2);
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation ($id: ID!) { updateRestriction(input: { id: $id, expectedVersion: 1, visibility: PRIVATE }) { restriction { id } } }",
        json!({ "id": laws[1] }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        links(ok(&app, Some(&partner), query, at(&detained)).await),
        vec![pair("Assembly law", "DETAINED_UNDER")]
    );
});

engine_tests!(case_lists_are_read_as_they_stood, |app: TestApp| async move {
    let (a, c) = (create_org(&app, "Gulf Watch"), create_org(&app, "Partner Network"));
    let (key, partner) = (create_key(&app, &a, "EDITOR"), create_key(&app, &c, "EDITOR"));
    let mut organisations = Vec::new();
    for (name, visibility) in [("Union", "PARTNERS"), ("Lawyers' Guild", "PARTNERS")] {
        let (_, body) = post_as(
            &app,
            Some(&key),
            "mutation ($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }",
            json!({ "input": { "name": name, "kind": "NGO", "countryCode": "SA", "visibility": visibility } }),
        )
        .await;
        organisations.push(
            body["data"]["createOrganisation"]["organisation"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
    }
    let id = create(
        &app,
        &key,
        json!({ "name": "Case Defender", "countryCode": "SA", "visibility": "PARTNERS",
                "events": [{ "kind": "ARREST", "occurredOn": "2021-05", "description": "Arrested at home" }],
                "affiliations": [{ "organisationId": organisations[0], "role": "member" }] }),
    )
    .await;
    let case = "query ($id: ID!, $at: DateTime, $after: String) { defender(id: $id, asOf: $at) {
        events(first: 1, after: $after) { totalCount edges { cursor node { id kind occurredOn description } }
                 pageInfo { hasNextPage hasPreviousPage } }
        affiliations { totalCount nodes { role organisation { name } } } mergedIds } }";
    let read = |key: String, at: Option<String>, after: Option<String>| {
        let (app, id) = (&app, id.clone());
        async move { ok(app, Some(&key), case, json!({ "id": id, "at": at, "after": after })).await["defender"].clone() }
    };
    let arrested = moment().await;
    let as_arrested = read(key.clone(), None, None).await;
    let event = as_arrested["events"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();
    // The arrest's description is corrected, a trial added before it and a
    // second affiliation added; then the first affiliation is removed.
    ok(
        &app,
        Some(&key),
        UPDATE,
        json!({ "input": { "id": id, "expectedVersion": 1,
            "events": [{ "id": event, "kind": "ARREST", "occurredOn": "2021-05", "description": "Arrested at work" },
                       { "kind": "TRIAL", "occurredOn": "2021" }],
            "affiliations": [{ "organisationId": organisations[0], "role": "member" },
                             { "organisationId": organisations[1], "role": "lawyer" }] } }),
    )
    .await;
    let tried = moment().await;
    ok(
        &app,
        Some(&key),
        UPDATE,
        json!({ "input": { "id": id, "expectedVersion": 2,
            "affiliations": [{ "organisationId": organisations[1], "role": "lawyer" }] } }),
    )
    .await;

    // Read as of the arrest: the list then, with the description then, and
    // the very cursors the list gave then.
    let then = read(key.clone(), Some(arrested.clone()), None).await;
    assert_eq!(then["events"], as_arrested["events"], "{then}");
    assert_eq!(then["events"]["edges"][0]["node"]["description"], "Arrested at home");
    assert_eq!(
        then["affiliations"],
        json!({ "totalCount": 1, "nodes": [{ "role": "member", "organisation": { "name": "Union" } }] })
    );
    // As of the trial: both events in date order (the year-only trial
    // first), paged with cursors that the list now also takes.
    let then = read(key.clone(), Some(tried.clone()), None).await;
    assert_eq!(then["events"]["totalCount"], 2, "{then}");
    assert_eq!(then["events"]["edges"][0]["node"]["kind"], "TRIAL");
    assert_eq!(then["events"]["pageInfo"], json!({ "hasNextPage": true, "hasPreviousPage": false }));
    let cursor = then["events"]["edges"][0]["cursor"].as_str().unwrap().to_owned();
    let next = read(key.clone(), Some(tried.clone()), Some(cursor.clone())).await;
    assert_eq!(next["events"]["edges"][0]["node"]["description"], "Arrested at work");
    assert_eq!(next["events"]["pageInfo"], json!({ "hasNextPage": false, "hasPreviousPage": true }));
    let now = read(key.clone(), None, Some(cursor)).await;
    assert_eq!(now["events"], next["events"], "a past cursor pages the list now alike");
    assert_eq!(then["affiliations"]["totalCount"], 2);
    assert_eq!(read(key.clone(), None, None).await["affiliations"]["totalCount"], 1);

    // Visibility is judged now: an organisation made PRIVATE since is left
    // out of the partner's past affiliations, count included.
    assert_eq!(read(partner.clone(), Some(tried.clone()), None).await["affiliations"]["totalCount"], 2);
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation ($id: ID!) { updateOrganisation(input: { id: $id, expectedVersion: 1, visibility: PRIVATE }) { organisation { id } } }",
        json!({ "id": organisations[0] }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let partner_then = read(partner.clone(), Some(tried.clone()), None).await;
    assert_eq!(
        partner_then["affiliations"],
        json!({ "totalCount": 1, "nodes": [{ "role": "lawyer", "organisation": { "name": "Lawyers' Guild" } }] })
    );

    // Merges: another record's events and links never show in this one's
    // past. Before the merge, the survivor's lists have none of the absorbed
    // record's; while merged it lists the absorbed record among its merged
    // ids; once unmerged, they went back and are the other record's.
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation { createRestriction(input: { title: \"Foreign agents law\", kind: LAW, status: ENACTED,
            countryCode: \"SA\", visibility: PARTNERS }) { restriction { id } } }",
        json!({}),
    )
    .await;
    let law =
        body["data"]["createRestriction"]["restriction"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let absorbed = create(
        &app,
        &key,
        json!({ "name": "Case Defender (duplicate)", "countryCode": "SA", "visibility": "PRIVATE",
                "events": [{ "kind": "THREAT", "occurredOn": "2022-01" }],
                "restrictionLinks": [{ "restrictionId": law, "relation": "CHARGED_UNDER" }] }),
    )
    .await;
    let apart = moment().await;
    ok(&app, Some(&key), MERGE, json!({ "input": { "survivorId": id, "absorbedId": absorbed } })).await;
    let merged = moment().await;
    let kinds = |data: &Value| -> Vec<String> {
        data["events"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let events_all = "query ($id: ID!, $at: DateTime) { defender(id: $id, asOf: $at) {
        events { totalCount edges { node { kind } } } mergedIds restrictions { totalCount nodes { title } } } }";
    let all = |at: Option<&str>| {
        let (app, id, key, at) = (&app, id.clone(), key.clone(), at.map(str::to_owned));
        async move { ok(app, Some(&key), events_all, json!({ "id": id, "at": at })).await["defender"].clone() }
    };
    assert_eq!(kinds(&all(Some(&apart)).await), vec!["TRIAL", "ARREST"]);
    assert_eq!(all(Some(&apart)).await["mergedIds"], json!([]));
    assert_eq!(kinds(&all(None).await), vec!["TRIAL", "ARREST", "THREAT"]);
    assert_eq!(all(Some(&merged)).await["mergedIds"], json!([absorbed]));
    // The absorbed record's link moved too: not the survivor's before the merge.
    let law_list = json!({ "totalCount": 1, "nodes": [{ "title": "Foreign agents law" }] });
    assert_eq!(all(None).await["restrictions"], law_list);
    assert_eq!(all(Some(&merged)).await["restrictions"], law_list);
    assert_eq!(all(Some(&apart)).await["restrictions"], json!({ "totalCount": 0, "nodes": [] }));
    // An edit while merged (the trial removed) logs the list with the
    // absorbed record's event in it.
    let current = ok(
        &app,
        Some(&key),
        "query ($id: ID!) { defender(id: $id) { version events { nodes { id kind occurredOn description } } } }",
        json!({ "id": id }),
    )
    .await["defender"]
        .clone();
    let kept: Vec<Value> =
        current["events"]["nodes"].as_array().unwrap().iter().filter(|e| e["kind"] != "TRIAL").cloned().collect();
    ok(
        &app,
        Some(&key),
        UPDATE,
        json!({ "input": { "id": id, "expectedVersion": current["version"], "events": kept } }),
    )
    .await;
    assert_eq!(kinds(&all(Some(&apart)).await), vec!["TRIAL", "ARREST"], "brought in after the moment");
    assert_eq!(kinds(&all(Some(&merged)).await), vec!["TRIAL", "ARREST", "THREAT"]);
    ok(&app, Some(&key), UNMERGE, json!({ "input": { "absorbedId": absorbed } })).await;
    let unmerged = all(Some(&merged)).await;
    assert_eq!(unmerged["events"]["totalCount"], 2, "{unmerged}");
    assert_eq!(kinds(&unmerged), vec!["TRIAL", "ARREST"], "the threat is the other record's again");
    assert_eq!(kinds(&all(None).await), vec!["ARREST"]);
    assert_eq!(all(None).await["mergedIds"], json!([]));
    // The link went back with the unmerge: the other record's, not in the
    // survivor's past, before the merge or while merged.
    assert_eq!(unmerged["restrictions"], json!({ "totalCount": 0, "nodes": [] }));
    assert_eq!(all(Some(&apart)).await["restrictions"], json!({ "totalCount": 0, "nodes": [] }));
    assert_eq!(all(None).await["restrictions"], json!({ "totalCount": 0, "nodes": [] }));
    // Given back although the edit while merged stored the survivor's links anew.
    let theirs = ok(
        &app,
        Some(&key),
        "query ($id: ID!) { defender(id: $id) { restrictions { totalCount nodes { title } } } }",
        json!({ "id": absorbed }),
    )
    .await;
    assert_eq!(theirs["defender"]["restrictions"], law_list);
});

engine_tests!(status_history_and_places_are_read_as_they_stood, |app: TestApp| async move {
    let a = create_org(&app, "Gulf Watch");
    let key = create_key(&app, &a, "EDITOR");
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation { createRestriction(input: { title: \"Assembly bill\", kind: BILL, status: PENDING,
            countryCode: \"SA\", visibility: PARTNERS }) { restriction { id } } }",
        json!({}),
    )
    .await;
    let law =
        body["data"]["createRestriction"]["restriction"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
        json!({ "input": { "title": "Gulf campaign", "kind": "PETITION", "visibility": "PARTNERS",
                            "areas": ["SA", "AE-DU"] } }),
    )
    .await;
    let campaign =
        body["data"]["createCampaign"]["campaign"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let pending = moment().await;
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation ($id: ID!) { updateRestriction(input: { id: $id, expectedVersion: 1, status: ENACTED,
            statusChangedOn: \"2024-06\" }) { restriction { id } } }",
        json!({ "id": law }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation ($id: ID!) { updateCampaign(input: { id: $id, expectedVersion: 1, areas: [\"QA\", \"BH\", \"AE-AZ\"] }) { campaign { id } } }",
        json!({ "id": campaign }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");

    let history = "query ($id: ID!, $at: DateTime) { restriction(id: $id, asOf: $at) { status
        history { totalCount nodes { status changedOn } } } }";
    let then = ok(&app, Some(&key), history, json!({ "id": law, "at": pending })).await;
    assert_eq!(
        then["restriction"],
        json!({ "status": "PENDING", "history": { "totalCount": 1, "nodes": [{ "status": "PENDING", "changedOn": null }] } })
    );
    let now = ok(&app, Some(&key), history, json!({ "id": law })).await;
    assert_eq!(now["restriction"]["history"]["totalCount"], 2, "{now}");

    let places = "query ($id: ID!, $at: DateTime) { campaign(id: $id, asOf: $at) {
        countries { totalCount nodes { code } } subdivisions { totalCount nodes { code } } } }";
    let codes = |data: &Value, list: &str| -> Vec<String> {
        let nodes = data["campaign"][list]["nodes"].as_array().unwrap_or_else(|| panic!("{data}"));
        assert_eq!(data["campaign"][list]["totalCount"], json!(nodes.len()), "{data}");
        nodes.iter().map(|n| n["code"].as_str().unwrap().to_owned()).collect()
    };
    let then = ok(&app, Some(&key), places, json!({ "id": campaign, "at": pending })).await;
    assert_eq!(
        (codes(&then, "countries"), codes(&then, "subdivisions")),
        (vec!["SA".to_owned(), "AE".to_owned()], vec!["AE-DU".to_owned()]),
        "by name, with the country of each subdivision"
    );
    let now = ok(&app, Some(&key), places, json!({ "id": campaign })).await;
    assert_eq!(codes(&now, "subdivisions"), vec!["AE-AZ"]);
    assert_eq!(codes(&now, "countries"), vec!["BH", "QA", "AE"]);
    // The same order and cursors as the list now: read it now and as of a
    // moment after the change, when the list is the list now.
    let later = moment().await;
    let at_later = ok(&app, Some(&key), places, json!({ "id": campaign, "at": later })).await;
    assert_eq!(at_later, now);
});

engine_tests!(sources_are_read_as_they_were_cited, |app: TestApp| async move {
    let (a, c) = (create_org(&app, "Gulf Watch"), create_org(&app, "Partner Network"));
    let (key, partner) = (create_key(&app, &a, "EDITOR"), create_key(&app, &c, "EDITOR"));
    let (_, body) = post_as(
        &app,
        Some(&key),
        "mutation { createRestriction(input: { title: \"Cited law\", kind: LAW, status: ENACTED,
            countryCode: \"SA\", visibility: PARTNERS }) { restriction { id } } }",
        json!({}),
    )
    .await;
    let law =
        body["data"]["createRestriction"]["restriction"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let mut sources = Vec::new();
    for (title, visibility) in [("A report", "PARTNERS"), ("B gazette", "PARTNERS"), ("C notes", "PRIVATE")] {
        let (_, body) = post_as(
            &app,
            Some(&key),
            "mutation ($input: CreateSourceInput!) { createSource(input: $input) { source { id } } }",
            json!({ "input": { "title": title, "visibility": visibility } }),
        )
        .await;
        sources
            .push(body["data"]["createSource"]["source"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned());
    }
    let mut version = 1;
    let mut cite = |source: usize, locator: Option<&str>| {
        let (app, key, law, source, locator) =
            (&app, key.clone(), law.clone(), sources[source].clone(), locator.map(str::to_owned));
        let mutation = if locator.is_some() { "citeSource" } else { "unciteSource" };
        let input = json!({ "recordId": law, "expectedVersion": version, "sourceId": source, "locator": locator });
        version += 1;
        async move {
            let query =
                format!("mutation ($input: CitationInput!) {{ {mutation}(input: $input) {{ recordVersion }} }}");
            ok(app, Some(&key), &query, json!({ "input": input })).await;
        }
    };
    cite(2, Some("p. 1")).await;
    cite(0, Some("p. 3")).await;
    let one = moment().await;
    cite(1, Some("art. 5")).await;
    // A second citation of the same source, and then both removed: the
    // source was cited at the first moment all the same.
    cite(0, Some("p. 9")).await;
    let two = moment().await;
    cite(0, None).await;
    let three = moment().await;

    let query = "query ($id: ID!, $at: DateTime) { restriction(id: $id, asOf: $at) {
        sources { totalCount nodes { title } } } }";
    let titles = |key: String, at: Option<String>| {
        let (app, law) = (&app, law.clone());
        async move {
            let data = ok(app, Some(&key), query, json!({ "id": law, "at": at })).await;
            let nodes = data["restriction"]["sources"]["nodes"].as_array().unwrap_or_else(|| panic!("{data}")).clone();
            assert_eq!(data["restriction"]["sources"]["totalCount"], json!(nodes.len()), "{data}");
            nodes.iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(titles(key.clone(), Some(one.clone())).await, vec!["A report", "C notes"]);
    assert_eq!(titles(key.clone(), Some(two.clone())).await, vec!["A report", "B gazette", "C notes"]);
    assert_eq!(titles(key.clone(), Some(three.clone())).await, vec!["B gazette", "C notes"]);
    assert_eq!(titles(key.clone(), None).await, vec!["B gazette", "C notes"]);
    // Visibility is judged now: the private source is never in the
    // partner's past list, count included.
    assert_eq!(titles(partner.clone(), Some(two.clone())).await, vec!["A report", "B gazette"]);
    assert_eq!(titles(partner.clone(), Some(one.clone())).await, vec!["A report"]);
});
