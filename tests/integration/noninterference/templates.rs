//! Realistic inputs for every mutation, keyed by the mutation's name (the
//! coverage check fails for a mutation without one, and for an input field
//! no template gives).
//!
//! Markers in the templates:
//! - `"@Type:role"`: an id slot. Its valid value is the setup's record of
//!   that role (`Defender:editable` is a defender the EDIT viewer may
//!   change); the generator makes one variant per slot with a hidden or a
//!   nonexistent id there and the valid ids everywhere else. `Any` takes
//!   an id of any record type.
//! - `"@-Type:role"`: a slot left out (null) of the valid input, filled
//!   only in its own variants (the id of an existing child record where a
//!   new one is being created).
//! - `"#Type:role"`: the current version of that record.
//!
//! No variant may succeed: each has one id that names nothing the viewer
//! may see. Mutations without ids are given an input that fails validation
//! (an unknown country, an address that is not one), or are dry runs.

use std::collections::BTreeMap;

use serde_json::{Value, json};

pub struct Template {
    pub name: &'static str,
    pub args: BTreeMap<String, Value>,
}

fn input(name: &'static str, value: Value) -> Template {
    Template { name, args: BTreeMap::from([("input".to_owned(), value)]) }
}

fn version_input(ty: &str) -> Value {
    json!({ "id": format!("@{ty}:editable"), "expectedVersion": format!("#{ty}:editable") })
}

pub fn all() -> BTreeMap<&'static str, Vec<Template>> {
    let event = json!({ "id": "@-CaseEvent:editable", "kind": "ARREST", "occurredOn": "2016-11-15", "description": "Arrested at a protest.",
                        "perpetratorType": "STATE", "sentence": { "months": 12, "life": false }, "restrictionId": "@Restriction:visible" });
    let affiliation = json!({ "id": "@-Affiliation:editable", "organisationId": "@Organisation:visible", "role": "member", "startedOn": "2011", "endedOn": "2016" });
    let link = json!({ "restrictionId": "@Restriction:visible", "relation": "OPPOSES", "note": "named in the bill" });
    let defender = json!({
        "name": "Máxima Acuña", "otherNames": [{ "name": "Maxima Acuna", "kind": "ALIAS", "language": "es" }],
        "countryCode": "PE", "subdivisionCode": "PE-CAJ", "occupation": "Peasant farmer", "summary": "Defends her land.",
        "status": "AT_RISK", "sectors": ["LAND"], "visibility": "PRIVATE", "consent": "GIVEN",
        "exactLocation": "VIEWER-WRITE-LOC", "contactDetails": "VIEWER-WRITE-CONTACT", "safetyNotes": "VIEWER-WRITE-NOTES",
        "events": [event], "affiliations": [affiliation], "restrictionLinks": [link],
    });
    let mut update_defender = defender.clone();
    update_defender["id"] = json!("@Defender:editable");
    update_defender["expectedVersion"] = json!("#Defender:editable");
    update_defender["events"][0]["id"] = json!("@CaseEvent:editable");
    update_defender["affiliations"][0]["id"] = json!("@Affiliation:editable");

    let restriction = json!({
        "title": "Florida bill restricting the right to protest", "reference": "HB 1", "kind": "BILL", "status": "PENDING",
        "countryCode": "US", "subdivisionCode": "US-FL", "introducedOn": "2016-11", "decidedOn": "2017", "summary": "Protest.",
        "rights": ["PEACEFUL_ASSEMBLY"], "visibility": "PRIVATE", "statusChangedOn": "2016-11", "statusNote": "Introduced.",
    });
    let mut create_restriction = restriction.clone();
    // No id to vary: an unknown country makes it fail.
    create_restriction["countryCode"] = json!("ZZ");
    let mut update_restriction = restriction.clone();
    update_restriction["id"] = json!("@Restriction:editable");
    update_restriction["expectedVersion"] = json!("#Restriction:editable");

    let campaign = json!({
        "title": "Priority case: Máxima Acuña", "kind": "INDIVIDUAL_CASE", "status": "ACTIVE", "leadOrganisationId": "@Organisation:visible",
        "startedOn": "2016-11", "endedOn": "2017", "summary": "Letters.", "outcome": "PENDING", "outcomeSummary": "None yet.",
        "visibility": "PRIVATE", "defenderIds": ["@Defender:visible"], "restrictionIds": ["@Restriction:visible"], "areas": ["PE", "US-FL"],
    });
    let mut update_campaign = campaign.clone();
    update_campaign["id"] = json!("@Campaign:editable");
    update_campaign["expectedVersion"] = json!("#Campaign:editable");

    let organisation = json!({ "name": "Andean Land Defence Collective", "acronym": "ALDC", "kind": "NGO", "countryCode": "PE",
                               "website": "https://aldc.example.org", "summary": "Legal support.", "visibility": "PRIVATE" });
    let mut create_organisation = organisation.clone();
    create_organisation["countryCode"] = json!("ZZ");
    let mut update_organisation = organisation.clone();
    update_organisation["id"] = json!("@Organisation:editable");
    update_organisation["expectedVersion"] = json!("#Organisation:editable");

    let source = json!({ "url": "https://aldc.example.org/reports/2025", "title": "Field report on evictions in Cajamarca", "publisher": "ALDC",
                         "publishedOn": "2016-11", "visibility": "PRIVATE" });
    let mut create_source = source.clone();
    create_source["url"] = json!("not an address");
    let mut update_source = source.clone();
    update_source["id"] = json!("@Source:editable");
    update_source["expectedVersion"] = json!("#Source:editable");

    let rating = json!({ "countryCode": "PE", "rating": "REPRESSED", "ratedOn": "2016-11", "organisationId": "@Organisation:visible",
                         "sourceId": "@Source:visible", "note": "Protesters in Cajamarca detained.", "visibility": "PRIVATE" });
    let mut update_rating = rating.clone();
    update_rating["id"] = json!("@CountryRating:editable");
    update_rating["expectedVersion"] = json!("#CountryRating:editable");

    let citation = json!({ "recordId": "@Any:editable", "expectedVersion": "#Defender:editable", "sourceId": "@Source:visible", "locator": "p. 4" });
    let mut out: BTreeMap<&'static str, Vec<Template>> = BTreeMap::new();
    let mut add = |mutation: &'static str, template: Template| out.entry(mutation).or_default().push(template);
    add("createDefender", input("links", defender));
    add("updateDefender", input("links", update_defender));
    add("createRestriction", input("unknown country", create_restriction));
    add("updateRestriction", input("id", update_restriction));
    add("createCampaign", input("links", campaign));
    add("updateCampaign", input("links", update_campaign));
    add("createOrganisation", input("unknown country", create_organisation));
    add("updateOrganisation", input("id", update_organisation));
    add("createSource", input("bad address", create_source));
    add("updateSource", input("id", update_source));
    add("createCountryRating", input("links", rating));
    add("updateCountryRating", input("links", update_rating));
    for ty in ["Defender", "Restriction", "Campaign", "Organisation", "Source", "CountryRating"] {
        let (archive, restore) = match ty {
            "Defender" => ("archiveDefender", "restoreDefender"),
            "Restriction" => ("archiveRestriction", "restoreRestriction"),
            "Campaign" => ("archiveCampaign", "restoreCampaign"),
            "Organisation" => ("archiveOrganisation", "restoreOrganisation"),
            "CountryRating" => ("archiveCountryRating", "restoreCountryRating"),
            _ => ("archiveSource", "restoreSource"),
        };
        add(archive, input("id", version_input(ty)));
        add(restore, input("id", version_input(ty)));
    }
    add("citeSource", input("record and source", citation.clone()));
    add("unciteSource", input("record and source", citation));
    add(
        "shareRecord",
        input(
            "record and partner",
            json!({ "recordId": "@Any:editable", "organisationId": "@Organisation:visible", "access": "READ", "confidential": false }),
        ),
    );
    add(
        "shareRecord",
        input(
            "edit, confidential",
            json!({ "recordId": "@Any:editable", "organisationId": "@Organisation:visible", "access": "EDIT", "confidential": true }),
        ),
    );
    add(
        "addStatement",
        input(
            "a name in Spanish, citing a source",
            json!({ "recordId": "@Defender:visible", "property": "name", "value": "Máxima Acuña de Chaupe",
                    "language": "es", "sourceId": "@Source:visible", "locator": "p. 4" }),
        ),
    );
    add(
        "addStatement",
        input("a status", json!({ "recordId": "@Restriction:editable", "property": "status", "value": "ENACTED" })),
    );
    add(
        "addStatement",
        input(
            "a case event's description in Spanish",
            json!({ "recordId": "@CaseEvent:editable", "property": "description", "value": "Detenida.", "language": "es" }),
        ),
    );
    add(
        "addStatement",
        input(
            "another name, proposed or corroborated",
            json!({ "recordId": "@Defender:visible", "property": "otherName", "value": "Máxima", "language": "es" }),
        ),
    );
    add(
        "addStatement",
        input(
            "a link, proposed or corroborated",
            json!({ "recordId": "@Defender:visible", "property": "affiliation", "value": "@Organisation:visible" }),
        ),
    );
    add(
        "addStatement",
        input(
            "a campaign's defender, proposed or corroborated",
            json!({ "recordId": "@Campaign:editable", "property": "defender", "value": "@Defender:visible" }),
        ),
    );
    add(
        "addStatement",
        input(
            "a case event, proposed or corroborated",
            json!({ "recordId": "@Defender:visible", "property": "caseEvent",
                    "value": json!({ "kind": "ARREST", "occurredOn": "2016-11-15" }).to_string() }),
        ),
    );
    add("acceptProposal", input("proposal id", json!({ "id": "@Statement:hidden" })));
    add("rejectProposal", input("proposal id", json!({ "id": "@Statement:hidden" })));
    add(
        "unshareRecord",
        input("record and partner", json!({ "recordId": "@Any:editable", "organisationId": "@Organisation:visible" })),
    );
    // No id: no viewer holds an ADMIN key, so it must fail for every one.
    add(
        "createApiKey",
        input("reader key", json!({ "role": "READER", "label": "viewer", "expiresAt": "2031-01-01T00:00:00Z" })),
    );
    add("revokeApiKey", input("key id", json!({ "id": "@ApiKey:hidden" })));
    // Webhooks are managed with ADMIN keys, which no viewer holds.
    add(
        "createWebhook",
        input("loopback endpoint", json!({ "url": "http://127.0.0.1:9/hook", "types": ["DEFENDER", "CAMPAIGN"] })),
    );
    add("deleteWebhook", input("webhook id", json!({ "id": "@Webhook:hidden" })));
    add("resumeWebhook", input("webhook id", json!({ "id": "@Webhook:hidden" })));
    add(
        "importRecords",
        input(
            "dry run",
            json!({ "format": "CSV", "recordType": "DEFENDER", "fileName": "defenders.csv", "dryRun": true,
        "data": "external_id,name,country_code\nNI-1,Máxima Acuña,PE\n" }),
        ),
    );
    add(
        "judgeDuplicate",
        input(
            "defenders",
            json!({ "recordType": "DEFENDER", "firstId": "@Defender:visible", "secondId": "@Defender:editable", "verdict": "UNSURE", "note": "same?" }),
        ),
    );
    add(
        "judgeDuplicate",
        input(
            "organisations",
            json!({ "recordType": "ORGANISATION", "firstId": "@Organisation:visible", "secondId": "@Organisation:editable", "verdict": "DIFFERENT" }),
        ),
    );
    add(
        "mergeDefenders",
        input("own survivor", json!({ "survivorId": "@Defender:own", "absorbedId": "@Defender:editable" })),
    );
    add(
        "mergeOrganisations",
        input("own survivor", json!({ "survivorId": "@Organisation:own", "absorbedId": "@Organisation:editable" })),
    );
    add("unmergeDefender", input("absorbed", json!({ "absorbedId": "@Defender:visible" })));
    add("unmergeOrganisation", input("absorbed", json!({ "absorbedId": "@Organisation:visible" })));
    out
}

/// A dry-run import file: (label, data, format, CSV record type, id slot).
pub type ImportFile = (&'static str, String, &'static str, Option<&'static str>, Option<&'static str>);

/// Dry-run import files: (label, data, format, CSV record type, id slot).
/// `@@ID@@` is the slot; `@Type:role@` a valid id; the external ids are
/// those H uses in its own (committed) import.
pub fn imports() -> Vec<ImportFile> {
    let defenders = "external_id,name,other_names,country_code,subdivision_code,occupation,summary,status,sectors,visibility,consent,exact_location,contact_details,safety_notes,affiliations,restriction_links";
    vec![
        ("CSV defenders, names of hidden records", format!("{defenders}\nNI-1,Máxima Acuña,ALIAS:Maxima Acuna,PE,PE-CAJ,Farmer,Land.,AT_RISK,LAND,PRIVATE,GIVEN,Farm,By phone,Careful,@Organisation:visible@;member;2011,@Restriction:visible@;OPPOSES;note\nNI-2,Mohammad al-Qahtani,,SA,,,,IMPRISONED,ACADEMIA,PUBLIC,GIVEN,,,,,\n"), "CSV", Some("DEFENDER"), None),
        ("CSV defenders, invalid rows", format!("{defenders}\nNI-1,,,ZZ,US-ZZ,,,NOPE,LAND,PUBLIC,UNKNOWN,,,,,\n"), "CSV", Some("DEFENDER"), None),
        ("CSV organisations", "external_id,name,acronym,kind,country_code,website,summary,visibility\nNI-ORG-1,Amnesty International,AI,NGO,US,https://amnesty.example.org,Campaigns.,PUBLIC\n".into(), "CSV", Some("ORGANISATION"), None),
        ("CSV sources", "external_id,title,url,publisher,published_on,visibility\nNI-SRC-1,Field report on evictions in Cajamarca,https://aldc.example.org/r,ALDC,2016-11,PARTNERS\n".into(), "CSV", Some("SOURCE"), None),
        ("CSV restrictions", "external_id,title,reference,kind,status,country_code,subdivision_code,introduced_on,decided_on,summary,rights,visibility\nNI-LAW-1,Florida bill restricting the right to protest,HB 1 / SB 484,BILL,PENDING,US,US-FL,2016-11,,Protest.,PEACEFUL_ASSEMBLY,PUBLIC\n".into(), "CSV", Some("RESTRICTION"), None),
        ("CSV campaigns", "external_id,title,kind,status,lead_organisation_id,started_on,ended_on,summary,outcome,outcome_summary,visibility,defender_ids,restriction_ids,areas\nNI-CAMP-1,Priority case: Máxima Acuña,INDIVIDUAL_CASE,ACTIVE,@Organisation:visible@,2016-11,,Letters.,,,PRIVATE,@Defender:visible@,@Restriction:visible@,PE|US-FL\n".into(), "CSV", Some("CAMPAIGN"), None),
        ("JSON Lines, every type", concat!(
            "{\"type\":\"organisation\",\"externalId\":\"NI-ORG-1\",\"name\":\"Amnesty International\",\"kind\":\"NGO\",\"countryCode\":\"PE\",\"visibility\":\"PRIVATE\"}\n",
            "{\"type\":\"source\",\"externalId\":\"NI-SRC-1\",\"title\":\"Field report on evictions in Cajamarca\"}\n",
            "{\"type\":\"restriction\",\"externalId\":\"NI-LAW-1\",\"title\":\"Florida bill restricting the right to protest\",\"kind\":\"BILL\",\"status\":\"PENDING\",\"countryCode\":\"US\",\"subdivisionCode\":\"US-FL\"}\n",
            "{\"type\":\"defender\",\"externalId\":\"NI-1\",\"name\":\"Máxima Acuña\",\"countryCode\":\"PE\",\"safetyNotes\":\"x\",\"events\":[{\"kind\":\"ARREST\",\"occurredOn\":\"2015\",\"restrictionId\":\"NI-LAW-1\"}],\"affiliations\":[{\"organisationId\":\"NI-ORG-1\"}],\"restrictionLinks\":[{\"restrictionId\":\"NI-LAW-1\",\"relation\":\"OPPOSES\"}]}\n",
            "{\"type\":\"campaign\",\"externalId\":\"NI-CAMP-1\",\"title\":\"Priority case\",\"kind\":\"PETITION\",\"leadOrganisationId\":\"NI-ORG-1\",\"defenderIds\":[\"NI-1\"],\"restrictionIds\":[\"NI-LAW-1\"],\"areas\":[\"PE\"]}\n").into(), "JSON_LINES", None, None),
        ("FollowTheMoney entities", concat!(
            "{\"id\":\"NI-1\",\"schema\":\"Person\",\"properties\":{\"name\":[\"Máxima Acuña\"],\"alias\":[\"Maxima Acuna\"],\"country\":[\"pe\"]}}\n",
            "{\"id\":\"NI-ORG-1\",\"schema\":\"Organization\",\"properties\":{\"name\":[\"Amnesty International\"],\"country\":[\"us\"]}}\n",
            "{\"id\":\"ftm-m-1\",\"schema\":\"Membership\",\"properties\":{\"member\":[\"NI-1\"],\"organization\":[\"NI-ORG-1\"]}}\n",
            "{\"id\":\"ftm-s-1\",\"schema\":\"Sanction\",\"properties\":{\"entity\":[\"NI-1\"]}}\n").into(), "FOLLOW_THE_MONEY", None, None),
        // An id in each place a file can name a record.
        ("CSV defender by id", "external_id,id,name,country_code\nNI-5,@@ID@@,Máxima Acuña,PE\n".into(), "CSV", Some("DEFENDER"), Some("Defender")),
        ("CSV defender affiliation", "external_id,name,country_code,affiliations\nNI-6,Máxima Acuña,PE,@@ID@@;member;2011\n".into(), "CSV", Some("DEFENDER"), Some("Organisation")),
        ("CSV defender restriction link", "external_id,name,country_code,restriction_links\nNI-7,Máxima Acuña,PE,@@ID@@;OPPOSES;note\n".into(), "CSV", Some("DEFENDER"), Some("Restriction")),
        ("CSV campaign by id", "external_id,id,title,kind\nNI-CAMP-2,@@ID@@,Priority case,PETITION\n".into(), "CSV", Some("CAMPAIGN"), Some("Campaign")),
        ("CSV campaign lead", "external_id,title,kind,lead_organisation_id\nNI-CAMP-3,Priority case,PETITION,@@ID@@\n".into(), "CSV", Some("CAMPAIGN"), Some("Organisation")),
        ("CSV campaign defenders", "external_id,title,kind,defender_ids\nNI-CAMP-4,Priority case,PETITION,@Defender:visible@|@@ID@@\n".into(), "CSV", Some("CAMPAIGN"), Some("Defender")),
        ("CSV campaign restrictions", "external_id,title,kind,restriction_ids\nNI-CAMP-5,Priority case,PETITION,@@ID@@\n".into(), "CSV", Some("CAMPAIGN"), Some("Restriction")),
        ("CSV restriction by id", "external_id,id,title,kind,status,country_code\nNI-LAW-2,@@ID@@,Florida bill,BILL,PENDING,US\n".into(), "CSV", Some("RESTRICTION"), Some("Restriction")),
        ("CSV organisation by id", "external_id,id,name,kind\nNI-ORG-2,@@ID@@,Amnesty International,NGO\n".into(), "CSV", Some("ORGANISATION"), Some("Organisation")),
        ("CSV source by id", "external_id,id,title\nNI-SRC-2,@@ID@@,Field report\n".into(), "CSV", Some("SOURCE"), Some("Source")),
        ("JSON Lines event restriction", "{\"type\":\"defender\",\"externalId\":\"NI-8\",\"name\":\"Máxima Acuña\",\"countryCode\":\"PE\",\"events\":[{\"kind\":\"ARREST\",\"restrictionId\":\"@@ID@@\"}]}\n".into(), "JSON_LINES", None, Some("Restriction")),
        ("JSON Lines defender by id", "{\"type\":\"defender\",\"externalId\":\"NI-9\",\"id\":\"@@ID@@\",\"name\":\"Máxima Acuña\",\"countryCode\":\"PE\",\"safetyNotes\":\"guess\"}\n".into(), "JSON_LINES", None, Some("Defender")),
        ("JSON Lines campaign lead", "{\"type\":\"campaign\",\"externalId\":\"NI-CAMP-6\",\"title\":\"Priority case\",\"kind\":\"PETITION\",\"leadOrganisationId\":\"@@ID@@\"}\n".into(), "JSON_LINES", None, Some("Organisation")),
        ("JSON Lines statements", concat!(
            "{\"type\":\"defender\",\"externalId\":\"NI-11\",\"name\":\"Máxima Acuña\",\"countryCode\":\"PE\"}\n",
            "{\"type\":\"statement\",\"recordId\":\"NI-11\",\"recordType\":\"defender\",\"property\":\"name\",\"value\":\"Máxima Acuña de Chaupe\",\"language\":\"es\"}\n",
            "{\"type\":\"statement\",\"recordId\":\"@Defender:visible@\",\"property\":\"occupation\",\"value\":\"Farmer\"}\n",
            "{\"type\":\"statement\",\"recordId\":\"@Restriction:visible@\",\"property\":\"right\",\"value\":\"PEACEFUL_ASSEMBLY\"}\n").into(), "JSON_LINES", None, None),
        ("JSON Lines statement about a defender", "{\"type\":\"statement\",\"recordId\":\"@@ID@@\",\"property\":\"summary\",\"value\":\"Detained.\"}\n".into(), "JSON_LINES", None, Some("Defender")),
        ("JSON Lines statement about a restriction", "{\"type\":\"statement\",\"recordId\":\"@@ID@@\",\"property\":\"status\",\"value\":\"ENACTED\"}\n".into(), "JSON_LINES", None, Some("Restriction")),
        ("JSON Lines statement about a campaign", "{\"type\":\"statement\",\"recordId\":\"@@ID@@\",\"property\":\"title\",\"value\":\"Campaña\",\"language\":\"es\"}\n".into(), "JSON_LINES", None, Some("Campaign")),
        ("JSON Lines statement citing a source", "{\"type\":\"statement\",\"recordId\":\"@Defender:visible@\",\"property\":\"name\",\"value\":\"Máxima\",\"language\":\"es\",\"sourceId\":\"@@ID@@\",\"locator\":\"p. 4\"}\n".into(), "JSON_LINES", None, Some("Source")),
        ("FollowTheMoney membership", "{\"id\":\"NI-10\",\"schema\":\"Person\",\"properties\":{\"name\":[\"Máxima Acuña\"],\"country\":[\"pe\"]}}\n{\"id\":\"ftm-m-2\",\"schema\":\"Membership\",\"properties\":{\"member\":[\"NI-10\"],\"organization\":[\"@@ID@@\"]}}\n".into(), "FOLLOW_THE_MONEY", None, Some("Organisation")),
    ]
}
