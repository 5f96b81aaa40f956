//! `/reconcile`, the Reconciliation Service API 0.2: response shapes checked
//! against the specification's own JSON schemas, the sample data matched as
//! a journalist would match it, access by key (header or URL), CORS, bad
//! input, data extension, previews, suggest, and the GraphQL `match` field.

use std::collections::HashMap;
use std::path::PathBuf;

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::{Value, json};

use crate::common;
use common::{TestApp, create_key, create_org, post_as};
use rights_graph::config::Settings;

const SPEC: &str = "https://reconciliation-api.github.io/specs/0.2/schemas/";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reconciliation-0.2")
}

/// The specification's schemas, by their addresses; the manifest's
/// `authentication` refers to Swagger 2.0's security schemes, which are
/// stood in for by their one rule every scheme keeps (a `type`).
struct SpecSchemas(HashMap<String, Value>);

impl Retrieve for SpecSchemas {
    fn retrieve(&self, uri: &Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().starts_with("http://swagger.io/v2/schema.json") {
            return Ok(json!({ "definitions": { "securityDefinitions": { "additionalProperties": {
                "type": "object", "required": ["type"],
                "properties": { "type": { "enum": ["basic", "apiKey", "oauth2"] } } } } } }));
        }
        self.0.get(uri.as_str()).cloned().ok_or_else(|| format!("no schema at {uri}").into())
    }
}

fn schema(name: &str) -> Validator {
    let read = |name: &str| -> Value {
        let path = fixtures().join("schemas").join(format!("{name}.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let mut all = HashMap::new();
    all.insert(format!("{SPEC}type.json"), read("type"));
    jsonschema::options().with_retriever(SpecSchemas(all)).build(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_shape(schema_name: &str, value: &Value) {
    let validator = schema(schema_name);
    let errors: Vec<String> = validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{schema_name}: {errors:?}\n{value:#}");
}

#[test]
fn the_specification_schemas_accept_its_examples_and_refuse_its_counterexamples() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures().join("examples")).unwrap() {
        let folder = entry.unwrap().path();
        let name = folder.file_name().unwrap().to_str().unwrap().to_owned();
        let validator = schema(&name);
        for (verdict, expected) in [("valid", true), ("invalid", false)] {
            let Ok(files) = std::fs::read_dir(folder.join(verdict)) else { continue };
            for file in files {
                let path = file.unwrap().path();
                let example: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                assert_eq!(validator.is_valid(&example), expected, "{}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "{checked} examples");
}

/// Sends a batch of queries (POST, form field `queries`); returns status and body.
async fn reconcile(app: &TestApp, key: Option<&str>, queries: &Value) -> (u16, Value) {
    let mut request = app.client.post(app.url("/reconcile")).form(&[("queries", queries.to_string())]);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// The best candidate of a one-query batch: name, score, match.
async fn best(app: &TestApp, query: Value) -> Option<(String, f64, bool)> {
    let (status, body) = reconcile(app, None, &json!({ "q0": query })).await;
    assert_eq!(status, 200, "{body}");
    assert_shape("reconciliation-result-batch", &body);
    let result = body["q0"]["result"].as_array().unwrap().clone();
    result.first().map(|c| (c["name"].as_str().unwrap().to_owned(), c["score"].as_f64().unwrap(), c["match"] == true))
}

engine_tests!(the_sample_reconciles_as_a_journalist_expects, |app: TestApp| async move {
    let cases = [
        (
            json!({ "query": "Mohamed al Qahtani", "properties": [{ "pid": "country", "v": "SA" }] }),
            "Mohammad al-Qahtani",
        ),
        (json!({ "query": "Maxima Acuna de Chaupe" }), "Máxima Acuña"),
        (json!({ "query": "ilham tohti" }), "Ilham Tohti"),
        // A misspelt word: found through the other word alone.
        (json!({ "query": "Ilham Tohri" }), "Ilham Tohti"),
        (
            json!({ "query": "HB 1", "type": "Restriction", "properties": [{ "pid": "jurisdiction", "v": "US-FL" }] }),
            "Florida bill restricting the right to protest",
        ),
        (json!({ "query": "ACPRA", "type": "Organisation" }), "Saudi Civil and Political Rights Association"),
    ];
    for (query, expected) in cases {
        let found = best(&app, query.clone()).await;
        let (name, score, matched) = found.unwrap_or_else(|| panic!("{query}: no candidate"));
        assert_eq!(name, expected, "{query}");
        assert!(matched, "{query}: {score} is not a match");
    }
    // Nobody of that name: candidates perhaps, but no match.
    for query in [json!({ "query": "Jane Nobody" }), json!({ "query": "Maria Tohti" }), json!({ "query": "Ilham" })] {
        if let Some((name, score, matched)) = best(&app, query.clone()).await {
            assert!(!matched, "{query}: matched {name} at {score}");
        }
    }
    // Contradicting evidence lowers the score below a match; agreeing evidence never lowers it.
    let (_, alone, _) = best(&app, json!({ "query": "Mohamed al Qahtani" })).await.unwrap();
    let (_, agreeing, _) =
        best(&app, json!({ "query": "Mohamed al Qahtani", "properties": [{ "pid": "country", "v": "Saudi Arabia" }] }))
            .await
            .unwrap();
    let (_, contradicted, matched) =
        best(&app, json!({ "query": "Mohamed al Qahtani", "properties": [{ "pid": "country", "v": "PE" }] }))
            .await
            .unwrap();
    assert!(agreeing >= alone && contradicted < alone && !matched, "{alone} {agreeing} {contradicted}");
    // A record's id as the query gives that record.
    let tohti = app.defender_id("Ilham Tohti").await;
    let (_, body) = reconcile(&app, None, &json!({ "q0": { "query": tohti } })).await;
    assert_eq!(body["q0"]["result"][0]["id"], tohti.as_str(), "{body}");
    assert_eq!(body["q0"]["result"][0]["score"], 100.0, "{body}");
});

engine_tests!(every_response_has_the_specification_shape, |app: TestApp| async move {
    let (status, manifest) = get_json(&app, "/reconcile").await;
    assert_eq!(status, 200);
    assert_shape("manifest", &manifest);
    assert_eq!(manifest["versions"], json!(["0.2"]));
    let types: Vec<&str> =
        manifest["defaultTypes"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(types, ["Defender", "Organisation", "Restriction", "Campaign"]);
    assert!(manifest["view"]["url"].as_str().unwrap().ends_with("/records/{{id}}"));

    // A batch, over GET as well as POST, with scores best first and within 0–100.
    let queries = json!({ "q0": { "query": "Maxima Acuna" }, "q1": { "query": "Florida protest", "type": ["Restriction"], "limit": 2 },
        "q2": { "query": "Amnesty", "type": { "id": "Organisation", "name": "Organisations" } } });
    let (status, posted) = reconcile(&app, None, &queries).await;
    assert_eq!(status, 200, "{posted}");
    assert_shape("reconciliation-result-batch", &posted);
    let encoded: String = url::form_urlencoded::byte_serialize(queries.to_string().as_bytes()).collect();
    let (_, got) = get_json(&app, &format!("/reconcile?queries={encoded}")).await;
    assert_eq!(got, posted);
    for key in ["q0", "q1", "q2"] {
        let result = posted[key]["result"].as_array().unwrap();
        assert!(!result.is_empty(), "{key}: {posted}");
        let scores: Vec<f64> = result.iter().map(|c| c["score"].as_f64().unwrap()).collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]) && scores.iter().all(|s| (0.0..=100.0).contains(s)),
            "{scores:?}"
        );
        assert!(result.iter().skip(1).all(|c| c["match"] == false), "only the best can match");
        assert!(result.iter().all(|c| c["features"][0]["id"] == "name"));
    }
    assert!(posted["q1"]["result"].as_array().unwrap().len() <= 2);
    assert!(posted["q1"]["result"].as_array().unwrap().iter().all(|c| c["type"][0]["id"] == "Restriction"));

    // Suggest services.
    let (_, entities) = get_json(&app, "/reconcile/suggest/entity?prefix=ilham%20to").await;
    assert_shape("suggest-entities-response", &entities);
    assert_eq!(entities["result"][0]["name"], "Ilham Tohti", "{entities}");
    assert_eq!(entities["result"][0]["notable"][0]["id"], "Defender");
    let tohti = app.defender_id("Ilham Tohti").await;
    let (_, by_id) = get_json(&app, &format!("/reconcile/suggest/entity?prefix={tohti}")).await;
    assert_eq!(by_id["result"][0]["id"], tohti.as_str(), "an id suggests its record: {by_id}");
    let (_, first) = get_json(&app, "/reconcile/suggest/entity?prefix=florida").await;
    let (_, second) = get_json(&app, "/reconcile/suggest/entity?prefix=florida&cursor=1").await;
    assert_eq!(second["result"][0], first["result"][1], "the cursor skips: {first} {second}");
    let (_, empty) = get_json(&app, "/reconcile/suggest/entity?prefix=").await;
    assert_eq!(empty, json!({ "result": [] }));
    let (_, types) = get_json(&app, "/reconcile/suggest/type?prefix=rest").await;
    assert_shape("suggest-types-response", &types);
    assert_eq!(types["result"].as_array().unwrap().len(), 1);
    assert_eq!(types["result"][0]["id"], "Restriction");
    let (_, properties) = get_json(&app, "/reconcile/suggest/property?prefix=").await;
    assert_shape("suggest-properties-response", &properties);
    assert_eq!(properties["result"].as_array().unwrap().len(), 7);

    // Property proposals and data extension.
    let (_, proposal) = get_json(&app, "/reconcile/extend/propose?type=Defender").await;
    assert_shape("data-extension-property-proposal", &proposal);
    let proposed: Vec<&str> =
        proposal["properties"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(
        proposed,
        [
            "country",
            "subdivision",
            "status",
            "occupation",
            "organisations",
            "restrictions",
            "campaigns",
            "latestCaseEvent",
            "sources"
        ]
    );
    let qahtani = app.defender_id("Mohammad al-Qahtani").await;
    let florida = app.data("{ restrictions(first: 10) { nodes { id title } } }").await["restrictions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "Florida bill restricting the right to protest")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let properties: Vec<Value> = proposed.iter().map(|id| json!({ "id": id })).collect();
    let extend = json!({ "ids": [qahtani, florida, "not-an-id"], "properties": properties });
    let response = app.client.post(app.url("/reconcile")).form(&[("extend", extend.to_string())]).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let extended: Value = response.json().await.unwrap();
    assert_shape("data-extension-response", &extended);
    let row = &extended["rows"][&qahtani];
    assert_eq!(row["country"][0]["name"], "Saudi Arabia", "{extended}");
    assert_eq!(row["status"][0]["str"], "Imprisoned");
    assert_eq!(row["organisations"][0]["name"], "Saudi Civil and Political Rights Association");
    assert!(row["latestCaseEvent"][0]["str"].as_str().unwrap().contains("Sentence"), "{row}");
    assert!(!row["sources"].as_array().unwrap().is_empty(), "{row}");
    assert_eq!(extended["rows"][&florida]["subdivision"][0]["name"], "Florida");
    assert_eq!(extended["rows"][&florida]["occupation"], json!([]), "restrictions have no occupation");
    assert!(extended["rows"]["not-an-id"].as_object().unwrap().values().all(|v| v == &json!([])));
    assert_eq!(
        extended["meta"][4],
        json!({ "id": "organisations", "name": "Organisations", "type": { "id": "Organisation", "name": "Organisations" } })
    );
    // Values per record: the limit setting.
    let one = json!({ "ids": [florida], "properties": [{ "id": "campaigns", "settings": { "limit": 1 } }] });
    let response = app.client.get(app.url("/reconcile")).query(&[("extend", one.to_string())]).send().await.unwrap();
    let limited: Value = response.json().await.unwrap();
    assert_eq!(limited["rows"][&florida]["campaigns"].as_array().unwrap().len(), 1, "{limited}");

    // Preview: a self-contained card.
    let response = app.client.get(app.url(&format!("/reconcile/preview?id={qahtani}"))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Mohammad al-Qahtani") && html.contains("Imprisoned") && html.contains("Saudi Arabia"),
        "{html}"
    );
    for external in ["src=", "href=", "url(", "@import", "<script"] {
        assert!(!html.contains(external), "the card loads nothing: {external}");
    }
    let missing = app
        .client
        .get(app.url("/reconcile/preview?id=RGVmZW5kZXI6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // The view address leads to the record's page.
    let response = app.client.get(app.url(&format!("/records/{qahtani}"))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.url().path().starts_with("/defenders/"));

    // Counted in the metrics like GraphQL requests.
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"operation="reconcile",outcome="ok""#), "reconcile requests are counted");
});

engine_tests!(bad_input_gets_a_clear_error, |app: TestApp| async move {
    async fn refused(app: &TestApp, form: &[(&str, String)]) -> (u16, String) {
        let response = app.client.post(app.url("/reconcile")).form(form).send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert!(body["errors"][0]["extensions"]["code"].is_string(), "{body}");
        (status, body["errors"][0]["message"].as_str().unwrap().to_owned())
    }
    let q = |queries: &str| vec![("queries", queries.to_owned())];
    let (status, message) = refused(&app, &q("{}")).await;
    assert_eq!((status, message.as_str()), (400, "queries: holds no query"));
    let (status, message) = refused(&app, &q("{\"q0\": ")).await;
    assert!(status == 400 && message.starts_with("queries: is not JSON"), "{message}");
    let (status, message) = refused(&app, &q(r#"{"q0": {"query": "x", "type": "Person"}}"#)).await;
    assert!(status == 400 && message.contains("q0.type") && message.contains("Defender, Organisation"), "{message}");
    let long = format!(r#"{{"q0": {{"query": "{}"}}}}"#, "a".repeat(201));
    let (status, message) = refused(&app, &q(&long)).await;
    assert!(status == 400 && message.starts_with("q0.query: must be at most 200"), "{message}");
    let many: Vec<String> = (0..26).map(|i| format!(r#""q{i}": {{"query": "Tohti"}}"#)).collect();
    let (status, message) = refused(&app, &q(&format!("{{{}}}", many.join(",")))).await;
    assert!(status == 413 && message.contains("at most 25"), "{message}");
    let (status, message) = refused(&app, &[("nothing", "x".into())]).await;
    assert!(status == 400 && message.contains("queries"), "{message}");
    let (status, message) =
        refused(&app, &[("extend", r#"{"ids": [], "properties": [{"id": "country"}]}"#.into())]).await;
    assert!(status == 400 && message.starts_with("extend.ids"), "{message}");
    let (status, message) =
        refused(&app, &[("extend", r#"{"ids": ["x"], "properties": [{"id": "height"}]}"#.into())]).await;
    assert!(status == 400 && message.contains("\"height\" is not a property"), "{message}");
    let json_body = app.client.post(app.url("/reconcile")).json(&json!({ "queries": {} })).send().await.unwrap();
    assert_eq!(json_body.status(), 415);
    for path in
        ["/reconcile/suggest/entity?prefix=a&cursor=x", "/reconcile/preview", "/reconcile/extend/propose?type=Person"]
    {
        let (status, body) = get_json(&app, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{path}");
    }
    // GraphQL's `match` refuses the same way.
    let (_, body) = post_as(&app, None, "{ match(query: \"x\", limit: 0) { score } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
});

const CREATE: &str = "mutation ($input: CreateDefenderInput!) { createDefender(input: $input) { defender { id } } }";

engine_tests!(keys_reconcile_against_what_their_organisation_may_see, |app: TestApp| async move {
    let org = create_org(&app, "Reconcile Watch");
    let key = create_key(&app, &org, "EDITOR");
    let input = json!({ "input": {
        "name": "Zeynep Kandemir-Öztürk", "countryCode": "TR", "status": "DETAINED", "occupation": "Journalist",
        "visibility": "PRIVATE", "consent": "GIVEN",
        "safetyNotes": "Hides at the Karaburun safehouse", "exactLocation": "Karaburun", "contactDetails": "Signal +90 555 0100"
    } });
    let (_, body) = post_as(&app, Some(&key), CREATE, input).await;
    let id = body["data"]["createDefender"]["defender"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    let query =
        json!({ "q0": { "query": "Zeynep Kandemir Ozturk", "properties": [{ "pid": "country", "v": "Turkey" }] } });

    // Anonymous: the record does not exist.
    let (_, anonymous) = reconcile(&app, None, &query).await;
    assert_eq!(anonymous["q0"]["result"], json!([]), "{anonymous}");
    // With the key, as a header or in the URL.
    let (_, keyed) = reconcile(&app, Some(&key), &query).await;
    assert_eq!(keyed["q0"]["result"][0]["id"], id.as_str(), "{keyed}");
    assert_eq!(keyed["q0"]["result"][0]["match"], true, "{keyed}");
    let response = app
        .client
        .post(app.url("/reconcile"))
        .query(&[("api_key", key.as_str())])
        .form(&[("queries", query.to_string())])
        .send()
        .await
        .unwrap();
    let in_url: Value = response.json().await.unwrap();
    assert_eq!(in_url, keyed);
    // Confidential fields are neither matched nor shown.
    let (_, by_location) = reconcile(&app, Some(&key), &json!({ "q0": { "query": "Karaburun safehouse" } })).await;
    assert_eq!(by_location["q0"]["result"], json!([]), "{by_location}");
    let preview = app.client.get(app.url(&format!("/reconcile/preview?id={id}&api_key={key}"))).send().await.unwrap();
    assert_eq!(preview.status(), 200);
    let html = preview.text().await.unwrap();
    assert!(
        html.contains("Zeynep Kandemir-Öztürk") && !html.contains("Karaburun") && !html.contains("Signal"),
        "{html}"
    );
    // Anonymous: its preview is a nonexistent record's, its extension empty.
    let hidden = app.client.get(app.url(&format!("/reconcile/preview?id={id}"))).send().await.unwrap();
    let nobody = uuid::Uuid::new_v4();
    let none =
        app.client.get(app.url(&format!("/reconcile/preview?id={}", global("Defender", nobody)))).send().await.unwrap();
    assert_eq!((hidden.status(), none.status()), (reqwest::StatusCode::NOT_FOUND, reqwest::StatusCode::NOT_FOUND));
    assert_eq!(hidden.text().await.unwrap(), none.text().await.unwrap());
    let (_, suggested) = get_json(&app, "/reconcile/suggest/entity?prefix=zeynep").await;
    assert_eq!(suggested["result"], json!([]));
    let keyed_suggest =
        app.client.get(app.url("/reconcile/suggest/entity?prefix=zeynep")).bearer_auth(&key).send().await.unwrap();
    let keyed_suggest: Value = keyed_suggest.json().await.unwrap();
    assert_eq!(keyed_suggest["result"][0]["id"], id.as_str());

    // The key in the URL is carried into the manifest's addresses.
    let (_, manifest) = get_json(&app, &format!("/reconcile?api_key={key}")).await;
    assert_shape("manifest", &manifest);
    for path in [
        &manifest["suggest"]["entity"]["service_path"],
        &manifest["extend"]["propose_properties"]["service_path"],
        &manifest["preview"]["url"],
    ] {
        assert!(path.as_str().unwrap().contains(&format!("api_key={key}")), "{path}");
    }
    let (_, plain) = get_json(&app, "/reconcile").await;
    assert!(!plain.to_string().contains("api_key"));

    // A key that is not valid is refused, however it is given.
    for path in ["/reconcile?api_key=rg_not_a_key", "/reconcile/suggest/entity?prefix=a&api_key=rg_not_a_key"] {
        let (status, body) = get_json(&app, path).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    let bad = app.client.get(app.url("/reconcile")).bearer_auth("rg_not_a_key").send().await.unwrap();
    assert_eq!(bad.status(), 401);

    // GraphQL's `match`: the same candidates, with the record.
    let (_, body) = post_as(
        &app,
        Some(&key),
        "{ match(query: \"Zeynep Kandemir Ozturk\", properties: [{ property: COUNTRY, values: [\"TR\"] }]) {
            score match features { id value } record { ... on Defender { id name } } } }",
        json!({}),
    )
    .await;
    let best = &body["data"]["match"][0];
    assert_eq!(best["record"]["id"], id.as_str(), "{body}");
    assert_eq!(best["score"], keyed["q0"]["result"][0]["score"]);
    assert_eq!(best["match"], true);
    assert_eq!(best["features"][1], json!({ "id": "country", "value": 1.0 }));
    let (_, body) = post_as(&app, None, "{ match(query: \"Zeynep Kandemir Ozturk\") { score } }", json!({})).await;
    assert_eq!(body["data"]["match"], json!([]), "{body}");
});

fn global(ty: &str, id: uuid::Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{ty}:{id}"))
}

configured_tests!(
    every_endpoint_answers_any_origin_once,
    |settings: &mut Settings| settings.operations.cors_allowed_origins = vec!["https://dashboard.example.org".into()],
    |app: TestApp| async move {
        for path in [
            "/reconcile",
            "/reconcile?queries=%7B%22q0%22%3A%7B%22query%22%3A%22Tohti%22%7D%7D",
            "/reconcile/suggest/entity?prefix=toh",
            "/reconcile/suggest/type?prefix=",
            "/reconcile/suggest/property?prefix=",
            "/reconcile/extend/propose?type=Defender",
            "/reconcile/preview?id=x",
        ] {
            let response =
                app.client.get(app.url(path)).header("origin", "https://refine.example").send().await.unwrap();
            let origins: Vec<_> = response.headers().get_all("access-control-allow-origin").iter().collect();
            assert_eq!(origins, ["*"], "{path}");
            assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        }
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url("/reconcile"))
            .header("origin", "https://refine.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success());
        assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
        // GraphQL keeps the configured origins.
        let graphql = app
            .client
            .post(app.url("/graphql"))
            .header("origin", "https://refine.example")
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert!(graphql.headers().get("access-control-allow-origin").is_none());
    }
);

engine_tests!(the_documented_examples_run, |app: TestApp| async move {
    let text = include_str!("../../docs/reconciliation.md");
    let blocks: Vec<&str> = text.split("```json\n").skip(1).filter_map(|rest| rest.split("\n```").next()).collect();
    // The batch, as documented.
    let batch: Value = serde_json::from_str(blocks[0]).unwrap();
    let (status, body) = reconcile(&app, None, &batch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["q0"]["result"][0]["name"], "Mohammad al-Qahtani", "{body}");
    assert_eq!(body["q0"]["result"][0]["match"], true);
    assert_eq!(body["q1"]["result"][0]["name"], "Máxima Acuña");
    assert!(body["q1"]["result"].as_array().unwrap().len() <= 3);
    assert_eq!(body["q2"]["result"][0]["name"], "Florida bill restricting the right to protest");
    // The answer shown is the first query's.
    let shown: Value = serde_json::from_str(&blocks[1].replace("RGVmZW5kZXI6…", "x")).unwrap();
    let best = &body["q0"]["result"][0];
    assert_eq!(shown["q0"]["result"][0]["score"], best["score"], "{best}");
    assert_eq!(shown["q0"]["result"][0]["features"], best["features"], "{best}");
    assert_eq!(shown["q0"]["result"][0]["description"], best["description"], "{best}");
    // The curl example.
    let curl = text.lines().find(|line| line.starts_with("curl ")).unwrap();
    let queries = curl.split("'queries=").nth(1).unwrap().trim_end_matches('\'');
    let (status, body) = reconcile(&app, None, &serde_json::from_str(queries).unwrap()).await;
    assert_eq!((status, body["q0"]["result"][0]["name"].as_str()), (200, Some("Ilham Tohti")));
    // The extension, with a real id.
    let qahtani = app.defender_id("Mohammad al-Qahtani").await;
    let extend = blocks[2].replace("RGVmZW5kZXI6…", &qahtani);
    let response = app.client.post(app.url("/reconcile")).form(&[("extend", extend)]).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let extended: Value = response.json().await.unwrap();
    assert_eq!(extended["rows"][&qahtani]["country"][0]["name"], "Saudi Arabia", "{extended}");
    assert_eq!(extended["rows"][&qahtani]["organisations"][0]["name"], "Saudi Civil and Political Rights Association");
});
