//! Partner organisations and their API keys: the operator commands, how a
//! request is authenticated, and what each viewer can read.

use crate::common;

use chrono::{Duration, Utc};
use common::{TestApp, cli, create_key, create_org, names, post_as, uuid_of};
use entity::*;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

engine_tests!(operators_create_organisations_and_keys, |app: TestApp| async move {
    let org = create_org(&app, "Front Line Test");
    let key = create_key(&app, &org, "editor");
    assert!(key.starts_with("rgk_"), "{key}");

    let (status, body) = post_as(
        &app,
        Some(&key),
        "{ viewer { authenticated role organisation { id name country { code } } } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["viewer"],
        json!({ "authenticated": true, "role": "EDITOR", "organisation": { "id": org, "name": "Front Line Test", "country": { "code": "PE" } } })
    );
    let (_, body) = post_as(&app, None, "{ viewer { authenticated role organisation { name } } }", json!({})).await;
    assert_eq!(body["data"]["viewer"], json!({ "authenticated": false, "role": null, "organisation": null }));

    // Only a hash is stored, and the listing never shows the key.
    let stored = api_key::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].key_hash, key);
    assert!(!format!("{stored:?}").contains(&key[16..]), "the key is stored in clear");
    assert!(stored[0].last_used_at.is_some(), "use is recorded");
    let (ok, listing, _) = cli(&app, &["key", "list", "--org", &org]);
    assert!(ok);
    assert!(
        listing.contains(&stored[0].prefix) && listing.contains("EDITOR") && listing.contains("tests"),
        "{listing}"
    );
    assert!(!listing.contains(&key[16..]), "the listing shows the key");

    // Refusals are clear and change nothing.
    for (args, expected) in [
        (vec!["org", "create", "--name", " "], "--name"),
        (vec!["org", "create", "--name", "X", "--country", "XX"], "--country"),
        (vec!["org", "create", "--name", "X", "--website", "ftp://example.org"], "--website"),
        (vec!["org", "create", "--name", "X", "--kind", "CLUB"], "--kind"),
        (vec!["key", "create", "--org", "nonsense", "--role", "READER"], "organisation id"),
        (vec!["key", "create", "--org", &org, "--role", "OWNER"], "--role"),
        (vec!["key", "create", "--org", &org, "--role", "READER", "--expires", "2001-01-01"], "future"),
        (vec!["key", "create", "--org", &org, "--role", "READER", "--expires", "soon"], "--expires"),
        (vec!["key", "revoke", "rgk_nothing"], "No API key"),
    ] {
        let (ok, _, err) = cli(&app, &args);
        assert!(!ok, "{args:?} should fail");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert_eq!(
        organisation::Entity::find().filter(organisation::Column::Name.eq("X")).all(&app.db).await.unwrap().len(),
        0
    );
    assert_eq!(api_key::Entity::find().all(&app.db).await.unwrap().len(), 1);
});

engine_tests!(bad_keys_are_refused_never_anonymous, |app: TestApp| async move {
    let org = create_org(&app, "Refusals");
    let revoked = create_key(&app, &org, "READER");
    let expired = create_key(&app, &org, "READER");
    let prefix = &revoked[..12];
    let (ok, _, err) = cli(&app, &["key", "revoke", prefix]);
    assert!(ok, "{err}");
    let expired_prefix = &expired[..12];
    let mut record: api_key::ActiveModel = api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(expired_prefix))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    record.expires_at = Set(Some(Utc::now() - Duration::minutes(1)));
    record.update(&app.db).await.unwrap();

    for (header, message) in [
        (format!("Bearer {revoked}"), "revoked"),
        (format!("Bearer {expired}"), "expired"),
        ("Bearer rgk_not-a-key".to_owned(), "not valid"),
        ("Bearer ".to_owned(), "Bearer <API key>"),
        ("Basic dXNlcjpwYXNz".to_owned(), "Bearer <API key>"),
        (revoked.clone(), "Bearer <API key>"),
    ] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", &header)
            .json(&json!({ "query": "{ viewer { authenticated } defenders { totalCount } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{header}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{header}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains(message), "{header}: {body}");
        assert!(body.get("data").is_none(), "nothing is answered: {body}");
    }
    // GET requests are authenticated the same way.
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ viewer { authenticated } }")])
        .header("authorization", format!("Bearer {revoked}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
});

/// Adds a defender contributed by `owner` with the given visibility.
async fn defender(app: &TestApp, name: &str, owner: Option<Uuid>, visibility: Visibility) -> Uuid {
    let now = Utc::now();
    let id = Uuid::now_v7();
    defender::ActiveModel {
        id: Set(id),
        name: Set(name.into()),
        country_code: Set("PE".into()),
        subdivision_code: Set(None),
        occupation: Set(None),
        summary: Set(None),
        status: Set(DefenderStatus::AtRisk),
        consent: Set(Consent::Given),
        exact_location: Set(None),
        contact_details: Set(None),
        safety_notes: Set(None),
        sort_key: Set(name.to_lowercase()),
        contributed_by_id: Set(owner),
        merged_into_id: Set(None),
        visibility: Set(visibility),
        version: Set(1),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

engine_tests!(each_viewer_reads_what_it_may_see, |app: TestApp| async move {
    let (a, b, c) = (create_org(&app, "Owner A"), create_org(&app, "Partner B"), create_org(&app, "Unrelated C"));
    let keys = [
        ("A", create_key(&app, &a, "READER")),
        ("B", create_key(&app, &b, "READER")),
        ("C", create_key(&app, &c, "READER")),
    ];
    let owner = uuid_of(&a);
    let partners = defender(&app, "Partners Only", Some(owner), Visibility::Partners).await;
    let private = defender(&app, "Private Record", Some(owner), Visibility::Private).await;
    let shared = defender(&app, "Shared With B", Some(owner), Visibility::Private).await;
    let archived = defender(&app, "Archived Public", Some(owner), Visibility::Public).await;
    let mut record: defender::ActiveModel =
        defender::Entity::find_by_id(archived).one(&app.db).await.unwrap().unwrap().into();
    record.archived_at = Set(Some(Utc::now()));
    record.update(&app.db).await.unwrap();
    record_share::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_type: Set("defender".into()),
        record_id: Set(shared),
        organisation_id: Set(uuid_of(&b)),
        access: Set(ShareAccess::Read),
        confidential: Set(false),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();

    let public = ["Máxima Acuña"];
    let expected: [(&str, Option<&str>, Vec<&str>); 4] = [
        ("anonymous", None, public.to_vec()),
        ("A", Some(&keys[0].1), vec!["Máxima Acuña", "Partners Only", "Private Record", "Shared With B"]),
        ("B", Some(&keys[1].1), vec!["Máxima Acuña", "Partners Only", "Shared With B"]),
        ("C", Some(&keys[2].1), vec!["Máxima Acuña", "Partners Only"]),
    ];
    let ids = [
        (partners, "Partners Only"),
        (private, "Private Record"),
        (shared, "Shared With B"),
        (archived, "Archived Public"),
    ];
    for (viewer, key, visible) in expected {
        let (status, body) = post_as(
            &app,
            key,
            r#"{ list: defenders(filter: { countryCodes: ["PE"] }) { totalCount nodes { name } }
                 nested: country(code: "PE") { defenders { totalCount nodes { name } } } }"#,
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(names(&body["data"]["list"], "name"), visible, "{viewer}: list");
        assert_eq!(body["data"]["list"]["totalCount"], visible.len(), "{viewer}: totalCount");
        assert_eq!(names(&body["data"]["nested"]["defenders"], "name"), visible, "{viewer}: nested");
        assert_eq!(body["data"]["nested"]["defenders"]["totalCount"], visible.len(), "{viewer}: nested totalCount");
        for (id, name) in ids {
            let global = {
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Defender:{id}"))
            };
            let (_, body) = post_as(
                &app,
                key,
                "query ($id: ID!) { node(id: $id) { ... on Defender { name } } defender(id: $id) { name } }",
                json!({ "id": global }),
            )
            .await;
            if visible.contains(&name) {
                assert_eq!(body["data"]["node"]["name"], name, "{viewer} sees {name} by id");
                assert_eq!(body["data"]["defender"]["name"], name);
            } else {
                assert_eq!(
                    body["data"],
                    json!({ "node": null, "defender": null }),
                    "{viewer} must not see {name}: {body}"
                );
                // Hidden and non-existent look the same.
                assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
                assert!(!body.to_string().contains(name), "{viewer}: the error names {name}");
            }
        }
    }
});

engine_tests!(admins_manage_their_keys_through_graphql, |app: TestApp| async move {
    let (a, b) = (create_org(&app, "Keys A"), create_org(&app, "Keys B"));
    let (admin, editor, other_admin) =
        (create_key(&app, &a, "ADMIN"), create_key(&app, &a, "EDITOR"), create_key(&app, &b, "ADMIN"));
    let create = "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id prefix role label expiresAt } } }";
    let (_, body) = post_as(&app, Some(&editor), create, json!({ "input": { "role": "READER" } })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    let (_, body) = post_as(
        &app,
        Some(&admin),
        create,
        json!({ "input": { "role": "READER", "expiresAt": "2001-01-01T00:00:00Z" } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");

    let (_, body) =
        post_as(&app, Some(&admin), create, json!({ "input": { "role": "READER", "label": "dashboard" } })).await;
    let created = &body["data"]["createApiKey"];
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with(created["apiKey"]["prefix"].as_str().unwrap()));
    assert_eq!(created["apiKey"]["role"], "READER");
    let (status, _) = post_as(&app, Some(&key), "{ viewer { role } }", json!({})).await;
    assert_eq!(status, 200);

    let list = "{ viewer { apiKeys { id prefix role label revokedAt } } }";
    let (_, body) = post_as(&app, Some(&admin), list, json!({})).await;
    let keys = body["data"]["viewer"]["apiKeys"].as_array().unwrap();
    assert_eq!(keys.len(), 3, "{body}");
    assert!(!body.to_string().contains(&key[16..]), "the listing never shows keys");
    let (_, body) = post_as(&app, Some(&editor), list, json!({})).await;
    assert_eq!(body["data"]["viewer"]["apiKeys"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    let revoke = "mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }";
    let id = created["apiKey"]["id"].clone();
    let (_, body) = post_as(&app, Some(&other_admin), revoke, json!({ "id": id })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "another organisation's key: {body}");
    let (_, body) = post_as(&app, Some(&admin), revoke, json!({ "id": id })).await;
    assert!(body["data"]["revokeApiKey"]["apiKey"]["revokedAt"].is_string(), "{body}");
    let (status, body) = post_as(&app, Some(&key), "{ viewer { role } }", json!({})).await;
    assert_eq!(status, 401, "{body}");
});
