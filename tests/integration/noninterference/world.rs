//! The data the test runs over, and a model of who may see what.
//!
//! Organisation O contributes records at every visibility and shares some of
//! them with the viewers' organisations; organisation H later adds data that
//! no viewer may see (phase B) and then data for partners only (phase D).
//! Every record the test creates is entered in the model with its
//! contributor, visibility, consent, shares, archive and merge state and its
//! confidential values, so that the canary scan and the hidden-versus-
//! nonexistent comparison know, for each viewer, which ids and values must
//! never reach it.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, create_key, create_org};

/// The organisations of the test. O owns the baseline, U/R/E/C are the
/// viewers' organisations, H hides data from every viewer, X receives H's
/// shares and is no viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Org {
    O,
    U,
    R,
    E,
    C,
    H,
    X,
}

/// The viewers whose responses are recorded and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Viewer {
    Anonymous,
    /// A READER key of an organisation with no shares.
    Unrelated,
    /// A READER key of an organisation holding READ shares without confidential access.
    ReadShare,
    /// An EDITOR key of an organisation holding EDIT shares without confidential access.
    EditShare,
    /// A READER key of an organisation holding READ shares with confidential access.
    ConfidentialShare,
}

impl Viewer {
    pub const ALL: [Viewer; 5] =
        [Viewer::Anonymous, Viewer::Unrelated, Viewer::ReadShare, Viewer::EditShare, Viewer::ConfidentialShare];

    pub fn org(self) -> Option<Org> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Unrelated => Some(Org::U),
            Viewer::ReadShare => Some(Org::R),
            Viewer::EditShare => Some(Org::E),
            Viewer::ConfidentialShare => Some(Org::C),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vis {
    Public,
    Partners,
    Private,
}

impl Vis {
    pub fn name(self) -> &'static str {
        match self {
            Vis::Public => "PUBLIC",
            Vis::Partners => "PARTNERS",
            Vis::Private => "PRIVATE",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Edit,
}

/// One record (or child record) in the model.
#[derive(Clone, Debug)]
pub struct Rec {
    pub label: String,
    /// The GraphQL type name.
    pub ty: &'static str,
    pub gid: String,
    pub uuid: Uuid,
    /// None for the sample data (reference data of no organisation).
    pub contributor: Option<Org>,
    pub vis: Vis,
    /// Defenders only: whether consent is GIVEN (a PUBLIC defender without it is not public).
    pub consent_given: bool,
    pub shares: Vec<(Org, Access, bool)>,
    pub archived: bool,
    /// The record a merge absorbed this one into: its id resolves to that one.
    pub absorbed_into: Option<String>,
    /// Case events and affiliations: the records they belong to (all must be visible).
    pub parents: Vec<String>,
    /// The confidential values stored on the record (each a distinctive canary).
    pub confidential: Vec<String>,
    /// Whether the record exists from before phase A (else it was added by H later).
    pub baseline: bool,
    /// The phase that added it: "setup", "B" or "D".
    pub added_in: &'static str,
}

/// The records the mutation templates use as their valid ids and versions.
#[derive(Clone, Debug, Default)]
pub struct Targets {
    pub ids: BTreeMap<String, String>,
    pub versions: BTreeMap<String, i64>,
}

pub struct World {
    pub client: reqwest::Client,
    pub url: String,
    pub orgs: BTreeMap<Org, String>,
    /// Keys by name: "O:ADMIN", "E:EDITOR", ...
    pub keys: BTreeMap<String, String>,
    pub recs: Vec<Rec>,
    /// Values a viewer wrote itself in the setup (not canaries for that viewer).
    pub own_values: Vec<(Viewer, String)>,
    pub targets: Targets,
    /// API key ids of H (hidden from every viewer; for `revokeApiKey`).
    pub hidden_key_ids: Vec<String>,
    /// The phase the data is being written in ("setup" before phase A).
    pub phase: &'static str,
    /// Records by label, for the oracle and templates.
    pub by_label: BTreeMap<String, usize>,
    /// Global ids of records that every viewer could see for a while in
    /// phase B (PUBLIC, then archived or consent withdrawn): the change
    /// feed tells of them, ending in a `WITHDRAWN` tombstone, by design.
    pub once_visible: std::collections::BTreeSet<String>,
}

pub fn gid(ty: &str, uuid: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{ty}:{uuid}"))
}

impl World {
    pub fn key(&self, name: &str) -> &str {
        self.keys.get(name).unwrap_or_else(|| panic!("no key {name}"))
    }

    pub fn viewer_key(&self, viewer: Viewer) -> Option<String> {
        match viewer {
            Viewer::Anonymous => None,
            Viewer::Unrelated => Some(self.key("U:READER").to_owned()),
            Viewer::ReadShare => Some(self.key("R:READER").to_owned()),
            Viewer::EditShare => Some(self.key("E:EDITOR").to_owned()),
            Viewer::ConfidentialShare => Some(self.key("C:READER").to_owned()),
        }
    }

    pub fn rec(&self, label: &str) -> &Rec {
        &self.recs[*self.by_label.get(label).unwrap_or_else(|| panic!("no record {label}"))]
    }

    pub fn id(&self, label: &str) -> String {
        self.rec(label).gid.clone()
    }

    fn rec_by_gid(&self, gid: &str) -> Option<&Rec> {
        self.recs.iter().find(|r| r.gid == gid)
    }

    /// Whether the viewer may see the record, by the rule in docs/partners.md.
    pub fn can_see(&self, viewer: Viewer, rec: &Rec) -> bool {
        if rec.archived {
            return false;
        }
        if let Some(survivor) = &rec.absorbed_into {
            return self.rec_by_gid(survivor).is_some_and(|s| self.can_see(viewer, s));
        }
        if !rec.parents.iter().all(|p| self.rec_by_gid(p).is_some_and(|p| self.can_see(viewer, p))) {
            return false;
        }
        let public = rec.vis == Vis::Public && (rec.ty != "Defender" || rec.consent_given);
        match viewer.org() {
            None => public,
            Some(org) => {
                public
                    || rec.vis == Vis::Partners
                    || rec.contributor == Some(org)
                    || rec.shares.iter().any(|(o, _, _)| *o == org)
            }
        }
    }

    /// Whether the viewer may read the record's confidential values.
    pub fn can_read_confidential(&self, viewer: Viewer, rec: &Rec) -> bool {
        let Some(org) = viewer.org() else { return false };
        rec.absorbed_into.is_none()
            && self.can_see(viewer, rec)
            && (rec.contributor == Some(org) || rec.shares.iter().any(|(o, _, c)| *o == org && *c))
    }

    /// Records of a type hidden from the viewer now.
    pub fn hidden_from(&self, viewer: Viewer, ty: &str) -> Vec<&Rec> {
        self.recs.iter().filter(|r| r.ty == ty && !self.can_see(viewer, r)).collect()
    }

    /// The strings that must never appear in a response to the viewer: the
    /// ids of records hidden from it (global id as sent, UUID in any case),
    /// and confidential values it may not read.
    pub fn canaries(&self, viewer: Viewer) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for rec in &self.recs {
            if !self.can_see(viewer, rec) {
                out.push((rec.gid.clone(), format!("global id of hidden {}", rec.label)));
                out.push((rec.uuid.to_string(), format!("UUID of hidden {}", rec.label)));
            }
            if !self.can_read_confidential(viewer, rec) {
                for value in &rec.confidential {
                    if !self.own_values.iter().any(|(v, own)| *v == viewer && own == value) {
                        out.push((value.clone(), format!("confidential value of {}", rec.label)));
                    }
                }
            }
        }
        out
    }

    /// Posts a query; returns status and body (the text as a JSON string when it is not JSON).
    pub async fn post(&self, key: Option<&str>, query: &str, variables: &Value) -> (u16, Value) {
        post(&self.client, &self.url, key, query, variables).await
    }

    /// Posts a setup query that must succeed; returns its data.
    pub async fn ok(&self, key: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(Some(key), query, &variables).await;
        assert!(
            status == 200 && body.get("errors").is_none(),
            "setup request failed ({status}): {query}\n{variables:#}\n{body:#}"
        );
        body["data"].clone()
    }

    fn enter(&mut self, rec: Rec) {
        self.by_label.insert(rec.label.clone(), self.recs.len());
        self.recs.push(rec);
    }

    /// Creates a record through `create<Type>` and enters it in the model.
    async fn create(&mut self, org: Org, ty: &'static str, label: &str, vis: Vis, mut input: Value) -> String {
        input["visibility"] = json!(vis.name());
        let consent_given = input.get("consent").and_then(Value::as_str) == Some("GIVEN");
        let field = lower_first(ty);
        let key = self.key(&format!("{org:?}:EDITOR")).to_owned();
        let data = self
            .ok(
                &key,
                &format!("mutation ($input: Create{ty}Input!) {{ create{ty}(input: $input) {{ {field} {{ id }} }} }}"),
                json!({ "input": input }),
            )
            .await;
        let gid = data[format!("create{ty}")][&field]["id"].as_str().expect("created id").to_owned();
        let mut confidential = Vec::new();
        for name in ["exactLocation", "contactDetails", "safetyNotes"] {
            if let Some(value) = input.get(name).and_then(Value::as_str) {
                confidential.push(value.to_owned());
            }
        }
        self.enter(Rec {
            label: label.to_owned(),
            ty,
            uuid: crate::common::uuid_of(&gid),
            gid: gid.clone(),
            contributor: Some(org),
            vis,
            consent_given,
            shares: Vec::new(),
            archived: false,
            absorbed_into: None,
            parents: Vec::new(),
            confidential,
            baseline: self.phase == "setup",
            added_in: self.phase,
        });
        gid
    }

    async fn share(&mut self, label: &str, with: Org, access: Access, confidential: bool) {
        let owner = self.rec(label).contributor.expect("an organisation's record");
        let key = self.key(&format!("{owner:?}:ADMIN")).to_owned();
        let record = self.id(label);
        let access_name = if access == Access::Edit { "EDIT" } else { "READ" };
        self.ok(
            &key,
            "mutation ($input: ShareRecordInput!) { shareRecord(input: $input) { access } }",
            json!({ "input": { "recordId": record, "organisationId": self.orgs[&with],
                               "access": access_name, "confidential": confidential } }),
        )
        .await;
        let index = self.by_label[label];
        self.recs[index].shares.push((with, access, confidential));
    }

    async fn version(&self, key: &str, gid: &str) -> i64 {
        let data = self
            .ok(
                key,
                "query ($id: ID!) { node(id: $id) { ... on Defender { version } ... on Restriction { version }
                 ... on Campaign { version } ... on Organisation { version } ... on Source { version }
                 ... on CountryRating { version } } }",
                json!({ "id": gid }),
            )
            .await;
        data["node"]["version"].as_i64().unwrap_or_else(|| panic!("no version for {gid}: {data}"))
    }

    /// Archives a record of `org` and marks it so.
    async fn archive(&mut self, org: Org, label: &str) {
        let rec = self.rec(label).clone();
        let key = self.key(&format!("{org:?}:EDITOR")).to_owned();
        let version = self.version(&key, &rec.gid).await;
        self.ok(
            &key,
            &format!(
                "mutation ($input: RecordVersionInput!) {{ archive{ty}(input: $input) {{ {f} {{ id }} }} }}",
                ty = rec.ty,
                f = lower_first(rec.ty)
            ),
            json!({ "input": { "id": rec.gid, "expectedVersion": version } }),
        )
        .await;
        let index = self.by_label[label];
        self.recs[index].archived = true;
    }

    async fn cite(&mut self, org: Org, record: &str, source: &str, locator: &str) {
        let key = self.key(&format!("{org:?}:EDITOR")).to_owned();
        let record_id = self.id(record);
        let version = self.version(&key, &record_id).await;
        self.ok(
            &key,
            "mutation ($input: CitationInput!) { citeSource(input: $input) { recordVersion } }",
            json!({ "input": { "recordId": record_id, "expectedVersion": version, "sourceId": self.id(source), "locator": locator } }),
        )
        .await;
    }

    /// Enters the case events and affiliations of a defender (as its
    /// contributor reads them) in the model, as children of the defender.
    async fn enter_children(&mut self, org: Org, label: &str) {
        let key = self.key(&format!("{org:?}:ADMIN")).to_owned();
        let data = self
            .ok(
                &key,
                "query ($id: ID!) { defender(id: $id) { events(first: 100) { nodes { id } }
                 affiliations(first: 100) { nodes { id organisation { id } } } } }",
                json!({ "id": self.id(label) }),
            )
            .await;
        let parent = self.id(label);
        let baseline = self.phase == "setup";
        let contributor = self.rec(label).contributor;
        for (i, event) in data["defender"]["events"]["nodes"].as_array().unwrap().iter().enumerate() {
            let gid = event["id"].as_str().unwrap().to_owned();
            self.enter(Rec {
                label: format!("{label}.event{i}"),
                ty: "CaseEvent",
                uuid: crate::common::uuid_of(&gid),
                gid,
                contributor,
                vis: Vis::Public,
                consent_given: true,
                shares: Vec::new(),
                archived: false,
                absorbed_into: None,
                parents: vec![parent.clone()],
                confidential: Vec::new(),
                baseline,
                added_in: self.phase,
            });
        }
        for (i, affiliation) in data["defender"]["affiliations"]["nodes"].as_array().unwrap().iter().enumerate() {
            let gid = affiliation["id"].as_str().unwrap().to_owned();
            let organisation = affiliation["organisation"]["id"].as_str().unwrap().to_owned();
            self.enter(Rec {
                label: format!("{label}.affiliation{i}"),
                ty: "Affiliation",
                uuid: crate::common::uuid_of(&gid),
                gid,
                contributor,
                vis: Vis::Public,
                consent_given: true,
                shares: Vec::new(),
                archived: false,
                absorbed_into: None,
                parents: vec![parent.clone(), organisation],
                confidential: Vec::new(),
                baseline,
                added_in: self.phase,
            });
        }
    }
}

const ADD_STATEMENT: &str =
    "mutation ($input: AddStatementInput!) { addStatement(input: $input) { statement { id } } }";

pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_lowercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

pub async fn post(
    client: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    query: &str,
    variables: &Value,
) -> (u16, Value) {
    let mut request = client.post(url).json(&json!({ "query": query, "variables": variables }));
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("response body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Three confidential canaries for a record, distinctive and numbered.
fn canaries(n: &str) -> Value {
    json!({ "exactLocation": format!("CANARY-LOC-{n}"), "contactDetails": format!("CANARY-CONTACT-{n}"),
            "safetyNotes": format!("CANARY-SAFETY-{n}") })
}

fn merge(mut a: Value, b: Value) -> Value {
    for (k, v) in b.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

/// Creates the organisations, keys and O's baseline, the EDIT viewer's own
/// records and write, and the scenarios set up before phase A.
pub async fn setup(app: &TestApp) -> World {
    let mut orgs = BTreeMap::new();
    let mut keys = BTreeMap::new();
    for (org, name) in [
        (Org::O, "Owner Collective"),
        (Org::U, "Unrelated Watch"),
        (Org::R, "Reader Partner"),
        (Org::E, "Editor Partner"),
        (Org::C, "Confidential Partner"),
        (Org::H, "Hidden Org"),
        (Org::X, "Outside Org"),
    ] {
        orgs.insert(org, create_org(app, name));
    }
    for (org, role) in [
        (Org::O, "ADMIN"),
        (Org::O, "EDITOR"),
        (Org::U, "READER"),
        (Org::R, "READER"),
        (Org::E, "EDITOR"),
        (Org::C, "READER"),
        (Org::H, "ADMIN"),
        (Org::H, "EDITOR"),
        (Org::X, "READER"),
    ] {
        keys.insert(format!("{org:?}:{role}"), create_key(app, &orgs[&org], role));
    }
    // The EDIT viewer's organisation writes through its EDITOR key; `create`
    // looks keys up as "<org>:EDITOR".
    let mut w = World {
        client: app.client.clone(),
        url: app.url("/graphql"),
        orgs,
        keys,
        recs: Vec::new(),
        own_values: Vec::new(),
        targets: Targets::default(),
        hidden_key_ids: Vec::new(),
        phase: "setup",
        by_label: BTreeMap::new(),
        once_visible: Default::default(),
    };

    // The partner organisations are records too (PARTNERS, their own contributors).
    for (org, label) in [
        (Org::O, "org.O"),
        (Org::U, "org.U"),
        (Org::R, "org.R"),
        (Org::E, "org.E"),
        (Org::C, "org.C"),
        (Org::H, "org.H"),
        (Org::X, "org.X"),
    ] {
        let gid = w.orgs[&org].clone();
        w.enter(Rec {
            label: label.into(),
            ty: "Organisation",
            uuid: crate::common::uuid_of(&gid),
            gid,
            contributor: Some(org),
            vis: Vis::Partners,
            consent_given: true,
            shares: Vec::new(),
            archived: false,
            absorbed_into: None,
            parents: Vec::new(),
            confidential: Vec::new(),
            baseline: true,
            added_in: "setup",
        });
    }

    // The sample data: public reference records of no organisation.
    let o_admin = w.key("O:ADMIN").to_owned();
    let data = w
        .ok(
            &o_admin,
            "{ defenders(first: 100) { nodes { id name } } restrictions(first: 100) { nodes { id title } }
               campaigns(first: 100) { nodes { id title } } organisations(first: 100) { nodes { id name contributedBy { id } } }
               indicators(first: 100) { nodes { id key } } }",
            json!({}),
        )
        .await;
    for (list, ty, name) in [
        ("defenders", "Defender", "name"),
        ("restrictions", "Restriction", "title"),
        ("campaigns", "Campaign", "title"),
        ("organisations", "Organisation", "name"),
        ("indicators", "Indicator", "key"),
    ] {
        for node in data[list]["nodes"].as_array().unwrap() {
            if !node["contributedBy"].is_null() && !node["contributedBy"]["id"].is_null() {
                continue; // a partner organisation, entered above
            }
            let gid = node["id"].as_str().unwrap().to_owned();
            w.enter(Rec {
                label: format!("sample.{}", node[name].as_str().unwrap()),
                ty,
                uuid: crate::common::uuid_of(&gid),
                gid,
                contributor: None,
                vis: Vis::Public,
                consent_given: true,
                shares: Vec::new(),
                archived: false,
                absorbed_into: None,
                parents: Vec::new(),
                confidential: Vec::new(),
                baseline: true,
                added_in: "setup",
            });
        }
    }
    let sample_acuna = w.id("sample.Máxima Acuña");
    let sample_florida = w.id("sample.Florida bill restricting the right to protest");
    let sample_amnesty = w.id("sample.Amnesty International");

    // O's organisation records.
    let org = |name: &str, country: &str| json!({ "name": name, "kind": "NGO", "countryCode": country, "summary": format!("{name}: legal support for rural communities.") });
    w.create(
        Org::O,
        "Organisation",
        "O.org.pub",
        Vis::Public,
        merge(
            org("Andean Land Defence Collective", "PE"),
            json!({ "acronym": "ALDC", "website": "https://aldc.example.org" }),
        ),
    )
    .await;
    w.create(Org::O, "Organisation", "O.org.partners", Vis::Partners, org("Riverside Residents Association", "PE"))
        .await;
    w.create(Org::O, "Organisation", "O.org.priv", Vis::Private, org("Quiet Shelter Network", "PE")).await;
    w.create(Org::O, "Organisation", "O.org.read", Vis::Private, org("Reader Shared Network", "US")).await;
    w.create(Org::O, "Organisation", "O.org.edit", Vis::Private, org("Editable Shared Network", "PE")).await;
    w.share("O.org.read", Org::R, Access::Read, false).await;
    w.share("O.org.edit", Org::E, Access::Edit, false).await;

    // Sources.
    let src = |title: &str| json!({ "title": title, "url": "https://aldc.example.org/reports/2025", "publisher": "ALDC", "publishedOn": "2016-11" });
    w.create(Org::O, "Source", "O.src.pub", Vis::Public, src("Field report on evictions in Cajamarca")).await;
    w.create(Org::O, "Source", "O.src.partners", Vis::Partners, src("Partners briefing on Cajamarca")).await;
    w.create(Org::O, "Source", "O.src.priv", Vis::Private, src("Private interview notes")).await;
    w.create(Org::O, "Source", "O.src.edit", Vis::Private, src("Editable shared dossier")).await;
    w.share("O.src.edit", Org::E, Access::Edit, false).await;
    w.share("O.src.priv", Org::R, Access::Read, false).await;

    // Civic-space ratings: a history of Peru's at every visibility, so that
    // a rating a viewer may not see would change its current rating.
    let org_pub = w.id("O.org.pub");
    let src_pub = w.id("O.src.pub");
    let rating = |rating: &str, date: &str, note: &str| json!({ "countryCode": "PE", "rating": rating, "ratedOn": date, "organisationId": org_pub, "sourceId": src_pub, "note": note });
    w.create(Org::O, "CountryRating", "O.rat.pub", Vis::Public, rating("OBSTRUCTED", "2015", "Public rating note"))
        .await;
    w.create(
        Org::O,
        "CountryRating",
        "O.rat.partners",
        Vis::Partners,
        rating("REPRESSED", "2017-06", "Partners rating note"),
    )
    .await;
    w.create(Org::O, "CountryRating", "O.rat.priv", Vis::Private, rating("CLOSED", "2018", "Private rating note"))
        .await;
    w.create(
        Org::O,
        "CountryRating",
        "O.rat.read",
        Vis::Private,
        rating("NARROWED", "2019", "Read shared rating note"),
    )
    .await;
    w.create(Org::O, "CountryRating", "O.rat.edit", Vis::Private, rating("OPEN", "2016", "Edit shared rating note"))
        .await;
    w.share("O.rat.read", Org::R, Access::Read, false).await;
    w.share("O.rat.edit", Org::E, Access::Edit, false).await;

    // Restrictions.
    let res = |title: &str, country: &str, sub: Option<&str>, date: &str| {
        json!({ "title": title, "kind": "BILL", "status": "PENDING", "countryCode": country, "subdivisionCode": sub,
                "introducedOn": date, "rights": ["PEACEFUL_ASSEMBLY", "EXPRESSION"], "reference": "HB 9999",
                "summary": "Raises penalties for protest near pipelines.", "statusChangedOn": date, "statusNote": "Introduced." })
    };
    w.create(
        Org::O,
        "Restriction",
        "O.res.pub",
        Vis::Public,
        res("Protest near critical infrastructure", "US", Some("US-FL"), "2016-11"),
    )
    .await;
    w.create(
        Org::O,
        "Restriction",
        "O.res.partners",
        Vis::Partners,
        res("Anti-protest ordinance of Cajamarca", "PE", None, "2015"),
    )
    .await;
    w.create(
        Org::O,
        "Restriction",
        "O.res.priv",
        Vis::Private,
        res("Secret decree on associations", "SA", None, "2015-03"),
    )
    .await;
    w.create(
        Org::O,
        "Restriction",
        "O.res.read",
        Vis::Private,
        res("Shared draft on assemblies", "US", Some("US-ND"), "2016"),
    )
    .await;
    w.create(
        Org::O,
        "Restriction",
        "O.res.edit",
        Vis::Private,
        res("Editable draft on protest", "PE", None, "2016-11-15"),
    )
    .await;
    w.share("O.res.read", Org::R, Access::Read, false).await;
    w.share("O.res.read", Org::C, Access::Read, true).await;
    w.share("O.res.edit", Org::E, Access::Edit, false).await;

    // Defenders, each with its own confidential canaries.
    let (org_pub, org_partners, org_priv) = (w.id("O.org.pub"), w.id("O.org.partners"), w.id("O.org.priv"));
    let (res_pub, res_partners, res_priv) = (w.id("O.res.pub"), w.id("O.res.partners"), w.id("O.res.priv"));
    let person = |name: &str, country: &str, n: &str| {
        merge(
            json!({ "name": name, "countryCode": country, "status": "AT_RISK", "sectors": ["LAND"], "occupation": "Farmer",
                    "summary": format!("{name} defends her family's land against a mining company.") }),
            canaries(n),
        )
    };
    w.create(Org::O, "Defender", "O.def.pub", Vis::Public, merge(person("Maxima Acuna Chaupe", "PE", "O-1"), json!({
        "consent": "GIVEN", "subdivisionCode": "PE-CAJ",
        "otherNames": [{ "name": "Máxima Acuña de Chaupe", "kind": "ALIAS" }],
        "events": [{ "kind": "HARASSMENT", "occurredOn": "2016-11-15", "description": "Harassed by police.", "perpetratorType": "STATE", "restrictionId": res_pub },
                   { "kind": "ARREST", "occurredOn": "2015", "description": "Arrested at a protest." }],
        "affiliations": [{ "organisationId": org_pub, "role": "member", "startedOn": "2011" }],
        "restrictionLinks": [{ "restrictionId": res_pub, "relation": "TARGETED_BY", "note": "named in the bill" }] }))).await;
    w.create(
        Org::O,
        "Defender",
        "O.def.dup",
        Vis::Public,
        merge(person("Maxima Acuna", "PE", "O-2"), json!({ "consent": "GIVEN" })),
    )
    .await;
    w.create(Org::O, "Defender", "O.def.partners", Vis::Partners, merge(person("Yusuf al-Rahman", "SA", "O-3"), json!({
        "consent": "LIMITED", "status": "DETAINED", "sectors": ["ACADEMIA"],
        "events": [{ "kind": "DETENTION", "occurredOn": "2015-03", "restrictionId": res_priv },
                   { "kind": "SENTENCE", "occurredOn": "2015-06", "sentence": { "months": 120 }, "restrictionId": res_partners }],
        "affiliations": [{ "organisationId": org_partners, "role": "spokesperson" }, { "organisationId": org_priv, "role": "founder" }],
        "restrictionLinks": [{ "restrictionId": res_partners, "relation": "CHARGED_UNDER" }, { "restrictionId": res_priv, "relation": "DETAINED_UNDER" }] }))).await;
    w.create(Org::O, "Defender", "O.def.priv", Vis::Private, person("Ilham Tohti Second", "CN", "O-4")).await;
    w.create(
        Org::O,
        "Defender",
        "O.def.read",
        Vis::Private,
        merge(
            person("Ana Maria Quispe", "PE", "O-5"),
            json!({
        "restrictionLinks": [{ "restrictionId": res_pub, "relation": "AFFECTED_BY" }] }),
        ),
    )
    .await;
    w.create(
        Org::O,
        "Defender",
        "O.def.edit1",
        Vis::Private,
        merge(
            person("Ladonna Allard", "US", "O-6"),
            json!({
        "subdivisionCode": "US-ND",
        "affiliations": [{ "organisationId": org_priv, "role": "adviser" }],
        "restrictionLinks": [{ "restrictionId": res_priv, "relation": "OPPOSES", "note": "CANARY-NOTE-O-6" }] }),
        ),
    )
    .await;
    w.create(
        Org::O,
        "Defender",
        "O.def.edit2",
        Vis::Private,
        merge(
            person("Edit Target Person", "PE", "O-7"),
            json!({
        "events": [{ "kind": "ARREST", "occurredOn": "2016", "restrictionId": res_pub }],
        "affiliations": [{ "organisationId": org_pub, "role": "member" }],
        "restrictionLinks": [{ "restrictionId": res_pub, "relation": "AFFECTED_BY" }] }),
        ),
    )
    .await;
    w.create(Org::O, "Defender", "O.def.conf", Vis::Private, person("Confidential Person", "PE", "O-8")).await;
    w.share("O.def.read", Org::R, Access::Read, false).await;
    w.share("O.def.edit1", Org::E, Access::Edit, false).await;
    w.share("O.def.edit2", Org::E, Access::Edit, false).await;
    w.share("O.def.conf", Org::C, Access::Read, true).await;
    w.share("O.def.partners", Org::C, Access::Read, true).await;
    for label in ["O.def.pub", "O.def.partners", "O.def.edit1", "O.def.edit2"] {
        w.enter_children(Org::O, label).await;
    }
    // Values in Spanish that viewers see (as far as they see O): what a
    // hidden statement in Spanish would displace if it leaked.
    let o_editor = w.key("O:EDITOR").to_owned();
    for (record, property, value) in [
        (w.id("O.def.pub"), "name", "Máxima Acuña"),
        (w.id("O.def.pub.event1"), "description", "Detenida en una protesta."),
    ] {
        w.ok(
            &o_editor,
            ADD_STATEMENT,
            json!({ "input": { "recordId": record, "property": property, "value": value, "language": "es" } }),
        )
        .await;
    }
    // The note of a restriction link is a plain field, not confidential; it
    // is a canary only through the link it belongs to, which points at a
    // restriction hidden from the EDIT viewer.
    let index = w.by_label["O.res.priv"];
    w.recs[index].confidential.push("CANARY-NOTE-O-6".into());

    // Campaigns.
    let camp = |title: &str| {
        json!({ "title": title, "kind": "INDIVIDUAL_CASE", "status": "ACTIVE", "startedOn": "2016-11",
                                     "summary": format!("{title}: letters and a petition."), "outcome": "PENDING", "outcomeSummary": "No outcome yet." })
    };
    let (def_pub, def_partners, def_priv) = (w.id("O.def.pub"), w.id("O.def.partners"), w.id("O.def.priv"));
    w.create(Org::O, "Campaign", "O.camp.pub", Vis::Public, merge(camp("Drop the charges against Maxima Acuna"), json!({
        "leadOrganisationId": org_pub, "defenderIds": [def_pub, sample_acuna], "restrictionIds": [res_pub, sample_florida], "areas": ["PE", "US-FL"] }))).await;
    w.create(Org::O, "Campaign", "O.camp.partners", Vis::Partners, merge(camp("Free Yusuf al-Rahman"), json!({
        "kind": "URGENT_ACTION", "leadOrganisationId": org_priv, "defenderIds": [def_partners, def_priv], "restrictionIds": [res_priv], "areas": ["SA"] }))).await;
    w.create(
        Org::O,
        "Campaign",
        "O.camp.priv",
        Vis::Private,
        merge(camp("Quiet diplomacy for Tohti"), json!({ "areas": ["CN"], "defenderIds": [def_priv] })),
    )
    .await;
    w.create(
        Org::O,
        "Campaign",
        "O.camp.read",
        Vis::Private,
        merge(camp("Shared petition for Quispe"), json!({ "areas": ["PE"], "leadOrganisationId": sample_amnesty })),
    )
    .await;
    w.create(
        Org::O,
        "Campaign",
        "O.camp.edit",
        Vis::Private,
        merge(camp("Editable letter campaign"), json!({ "areas": ["PE"], "kind": "LETTER" })),
    )
    .await;
    w.share("O.camp.read", Org::R, Access::Read, false).await;
    w.share("O.camp.edit", Org::E, Access::Edit, false).await;

    // Citations, one of a hidden source by a record partners see.
    w.cite(Org::O, "O.def.pub", "O.src.pub", "p. 4").await;
    w.cite(Org::O, "O.res.pub", "O.src.pub", "section 2").await;
    w.cite(Org::O, "O.def.partners", "O.src.priv", "interview 3").await;
    w.cite(Org::O, "O.def.edit2", "O.src.pub", "p. 9").await;

    // A merge of O's own: the absorbed id resolves to the visible survivor.
    {
        let key = w.key("O:EDITOR").to_owned();
        w.ok(
            &key,
            "mutation ($input: MergeInput!) { mergeDefenders(input: $input) { defender { id } } }",
            json!({ "input": { "survivorId": w.id("O.def.pub"), "absorbedId": w.id("O.def.dup") } }),
        )
        .await;
        let index = w.by_label["O.def.dup"];
        w.recs[index].absorbed_into = Some(w.id("O.def.pub"));
    }

    // The EDIT viewer's own records (the survivors its merges would need).
    w.create(
        Org::E,
        "Defender",
        "E.def.own",
        Vis::Private,
        json!({ "name": "Editor Own Person", "countryCode": "PE" }),
    )
    .await;
    w.create(Org::E, "Organisation", "E.org.own", Vis::Private, json!({ "name": "Editor Own Network", "kind": "NGO" }))
        .await;

    // Known leak scenario 1: the EDIT viewer changes safetyNotes of a record
    // it may edit but whose confidential fields it may not read, and empties
    // its affiliations and restriction links, which point at records hidden
    // from it. Its own change; what the audit log then shows it must still
    // hold nothing it may not see (the old note, the hidden ids).
    {
        let key = w.key("E:EDITOR").to_owned();
        let record = w.id("O.def.edit1");
        // The server may refuse a confidential change without confidential
        // access; then the viewer makes the rest of the change on its own.
        // Either way the change is its own, made before phase A.
        const UPDATE: &str =
            "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { version } } }";
        let version = w.version(&key, &record).await;
        let (_, body) = w
            .post(
                Some(&key),
                UPDATE,
                &json!({ "input": { "id": record, "expectedVersion": version, "safetyNotes": "EDITOR-OWN-NOTE",
                                   "affiliations": [], "restrictionLinks": [] } }),
            )
            .await;
        if body.get("errors").is_some() {
            eprintln!(
                "setup: the EDIT viewer's confidential write was refused ({}); writing the rest",
                body["errors"][0]["message"]
            );
            let version = w.version(&key, &record).await;
            w.ok(&key, UPDATE, json!({ "input": { "id": record, "expectedVersion": version, "affiliations": [], "restrictionLinks": [] } }))
                .await;
        } else {
            w.own_values.push((Viewer::EditShare, "EDITOR-OWN-NOTE".into()));
            // Its own note is a canary for every other viewer.
            let index = w.by_label["O.def.edit1"];
            w.recs[index].confidential.push("EDITOR-OWN-NOTE".into());
        }
    }

    // Known leak scenario 2: a visible campaign whose lead organisation is a
    // PRIVATE organisation of H.
    w.create(
        Org::H,
        "Organisation",
        "H.org.shadow",
        Vis::Private,
        json!({ "name": "Shadow Lead Network", "kind": "NGO", "countryCode": "PE" }),
    )
    .await;
    let shadow = w.id("H.org.shadow");
    w.create(
        Org::H,
        "Campaign",
        "H.camp.pub",
        Vis::Public,
        merge(camp("Solidarity with Maxima Acuna"), json!({ "leadOrganisationId": shadow, "areas": ["PE"] })),
    )
    .await;
    // The same with a visible rating given by that organisation.
    w.create(
        Org::H,
        "CountryRating",
        "H.rat.pub",
        Vis::Public,
        json!({ "countryCode": "US", "rating": "NARROWED", "ratedOn": "2016-11", "organisationId": shadow }),
    )
    .await;

    // Valid ids and versions for the mutation templates.
    let e_key = w.key("E:EDITOR").to_owned();
    for (name, label) in [
        ("Defender:editable", "O.def.edit2"),
        ("Any:editable", "O.def.edit2"),
        ("Defender:visible", "O.def.pub"),
        ("Defender:own", "E.def.own"),
        ("Restriction:editable", "O.res.edit"),
        ("Restriction:visible", "O.res.pub"),
        ("Campaign:editable", "O.camp.edit"),
        ("Organisation:editable", "O.org.edit"),
        ("Organisation:visible", "O.org.pub"),
        ("Organisation:own", "E.org.own"),
        ("Source:editable", "O.src.edit"),
        ("Source:visible", "O.src.pub"),
        ("CountryRating:editable", "O.rat.edit"),
        ("CountryRating:visible", "O.rat.pub"),
        ("CaseEvent:editable", "O.def.edit2.event0"),
        ("Affiliation:editable", "O.def.edit2.affiliation0"),
    ] {
        w.targets.ids.insert(name.into(), w.id(label));
    }
    for name in [
        "Defender:editable",
        "Restriction:editable",
        "Campaign:editable",
        "Organisation:editable",
        "Source:editable",
        "CountryRating:editable",
        "Defender:own",
        "Organisation:own",
    ] {
        let id = w.targets.ids[name].clone();
        let version = w.version(&e_key, &id).await;
        w.targets.versions.insert(name.into(), version);
    }
    w
}

/// Phase B: H adds data hidden from every viewer, made to move every count,
/// score, order and page if it leaked.
pub async fn hidden_data(w: &mut World) {
    w.phase = "B";
    let o = |w: &World, l: &str| w.id(l);
    let (org_pub, res_pub, def_pub, _src_pub) =
        (o(w, "O.org.pub"), o(w, "O.res.pub"), o(w, "O.def.pub"), o(w, "O.src.pub"));
    let sample_acuna = o(w, "sample.Máxima Acuña");
    let sample_florida = o(w, "sample.Florida bill restricting the right to protest");
    let sample_amnesty = o(w, "sample.Amnesty International");
    let sample_acpra = o(w, "sample.Saudi Civil and Political Rights Association");

    // Same names, words, countries, subdivisions and dates as visible records.
    w.create(Org::H, "Organisation", "H.org.priv", Vis::Private, json!({ "name": "Andean Land Defence Collective", "acronym": "ALDC", "kind": "NGO",
        "countryCode": "PE", "website": "https://aldc.example.org", "summary": "Amnesty International partner protest Cajamarca." })).await;
    let h_org = o(w, "H.org.priv");
    w.create(Org::H, "Restriction", "H.res.priv", Vis::Private, json!({ "title": "Florida bill restricting the right to protest", "reference": "HB 1 / SB 484",
        "kind": "BILL", "status": "PENDING", "countryCode": "US", "subdivisionCode": "US-FL", "introducedOn": "2016-11",
        "rights": ["PEACEFUL_ASSEMBLY", "EXPRESSION", "PRIVACY"], "summary": "Protest near critical infrastructure, Maxima Acuna." })).await;
    let h_res = o(w, "H.res.priv");
    {
        // A status change: the status history of a hidden record.
        let key = w.key("H:EDITOR").to_owned();
        let version = w.version(&key, &h_res).await;
        w.ok(&key, "mutation ($input: UpdateRestrictionInput!) { updateRestriction(input: $input) { restriction { id } } }",
            json!({ "input": { "id": h_res, "expectedVersion": version, "status": "ENACTED", "statusChangedOn": "2017-04", "decidedOn": "2017-04" } })).await;
    }
    w.create(Org::H, "Source", "H.src.priv", Vis::Private, json!({ "title": "Field report on evictions in Cajamarca", "url": "https://aldc.example.org/reports/2025", "publishedOn": "2016-11" })).await;
    {
        // Statements of H on records every viewer sees, citing H's private
        // source, so that no viewer may see them: proposals in Spanish (a
        // name, a case event's description) and of a status. Each is in the
        // record's audit log and the change feed for those who may see it,
        // and nowhere else.
        let key = w.key("H:EDITOR").to_owned();
        let source = w.id("H.src.priv");
        for (record, property, value, language) in [
            (w.id("O.def.pub"), "name", "CANARY-STATEMENT-H-1", Some("es")),
            (w.id("O.def.pub.event0"), "description", "CANARY-STATEMENT-H-2", Some("es")),
            (w.id("O.def.pub.event1"), "description", "CANARY-STATEMENT-H-3", Some("es")),
            (res_pub.clone(), "status", "ENACTED", None),
        ] {
            let input = json!({ "recordId": record, "property": property, "value": value, "language": language,
                                "sourceId": source, "locator": "p. 2" });
            w.ok(&key, ADD_STATEMENT, json!({ "input": input })).await;
        }
    }
    w.create(Org::H, "Defender", "H.def.priv1", Vis::Private, merge(canaries("H-1"), json!({ "name": "Máxima Acuña", "countryCode": "PE", "subdivisionCode": "PE-CAJ",
        "status": "AT_RISK", "sectors": ["LAND", "ENVIRONMENT", "WOMENS_RIGHTS"], "consent": "GIVEN", "occupation": "Peasant farmer",
        "summary": "A peasant farmer in northern Peru; Florida protest bill; Amnesty International.",
        "otherNames": [{ "name": "Maxima Acuna Chaupe", "kind": "ALIAS" }, { "name": "Ilham Tohti", "kind": "NICKNAME" }],
        "events": [{ "kind": "HARASSMENT", "occurredOn": "2016-11-15", "restrictionId": res_pub, "perpetratorType": "STATE" },
                   { "kind": "ARREST", "occurredOn": "2015", "restrictionId": h_res },
                   { "kind": "KILLING", "occurredOn": "2015-03", "perpetratorType": "NON_STATE" },
                   { "kind": "DEATH_IN_DETENTION", "occurredOn": "2016-11" }],
        "affiliations": [{ "organisationId": org_pub, "role": "member", "startedOn": "2011" }, { "organisationId": sample_amnesty, "role": "case" }, { "organisationId": h_org }],
        "restrictionLinks": [{ "restrictionId": res_pub, "relation": "TARGETED_BY" }, { "restrictionId": sample_florida, "relation": "OPPOSES" },
                             { "restrictionId": h_res, "relation": "CHARGED_UNDER" }] }))).await;
    w.create(Org::H, "Defender", "H.def.priv2", Vis::Private, merge(canaries("H-2"), json!({ "name": "Mohammad al-Qahtani", "countryCode": "SA",
        "status": "IMPRISONED", "sectors": ["CIVIL_AND_POLITICAL_RIGHTS"], "occupation": "Economics professor", "consent": "GIVEN",
        "events": [{ "kind": "SENTENCE", "occurredOn": "2015", "sentence": { "months": 120 } }, { "kind": "DEATH_IN_DETENTION", "occurredOn": "2015-06" }],
        "affiliations": [{ "organisationId": sample_acpra, "role": "co-founder" }] }))).await;
    w.create(
        Org::H,
        "Defender",
        "H.def.sub",
        Vis::Private,
        merge(
            canaries("H-3"),
            json!({ "name": "LaDonna Brave Bull Allard", "countryCode": "US",
        "subdivisionCode": "US-FL", "status": "IMPRISONED", "sectors": ["INDIGENOUS_PEOPLES", "ENVIRONMENT"],
        "events": [{ "kind": "ARREST", "occurredOn": "2016-11-15", "restrictionId": sample_florida }],
        "restrictionLinks": [{ "restrictionId": sample_florida, "relation": "SENTENCED_UNDER" }] }),
        ),
    )
    .await;
    w.create(Org::H, "Campaign", "H.camp.priv", Vis::Private, json!({ "title": "Priority case: Máxima Acuña", "kind": "INDIVIDUAL_CASE", "status": "SUCCEEDED",
        "leadOrganisationId": org_pub, "startedOn": "2016-11", "endedOn": "2017", "outcome": "ACHIEVED", "outcomeSummary": "Maxima Acuna protest",
        "defenderIds": [sample_acuna, def_pub, o(w, "H.def.priv1")], "restrictionIds": [sample_florida, res_pub, h_res], "areas": ["PE", "US-FL", "US", "SA"] })).await;
    w.create(Org::H, "Campaign", "H.camp.lead", Vis::Private, json!({ "title": "Defeat the North Dakota bills against protest", "kind": "LEGISLATIVE_ADVOCACY",
        "leadOrganisationId": sample_amnesty, "defenderIds": [def_pub], "restrictionIds": [res_pub], "areas": ["US-ND", "PE"], "startedOn": "2015" })).await;
    // Later ratings of countries viewers see rated: each would become the
    // current rating if it leaked.
    w.create(
        Org::H,
        "CountryRating",
        "H.rat.priv",
        Vis::Private,
        json!({ "countryCode": "PE", "rating": "CLOSED", "ratedOn": "2024-12",
        "organisationId": h_org, "sourceId": o(w, "H.src.priv"), "note": "Hidden rating note" }),
    )
    .await;
    w.create(
        Org::H,
        "CountryRating",
        "H.rat.us",
        Vis::Private,
        json!({ "countryCode": "US", "rating": "REPRESSED", "ratedOn": "2016-11",
        "organisationId": org_pub }),
    )
    .await;
    w.share("H.rat.priv", Org::X, Access::Read, false).await;
    w.cite(Org::H, "H.def.priv1", "O.src.pub", "p. 4").await;
    w.cite(Org::H, "H.def.priv1", "H.src.priv", "p. 1").await;
    w.cite(Org::H, "H.res.priv", "O.src.pub", "p. 2").await;
    w.cite(Org::H, "H.org.priv", "O.src.pub", "p. 3").await;
    w.cite(Org::H, "H.camp.priv", "O.src.pub", "p. 5").await;
    {
        // A second version of a hidden defender: its audit log grows.
        let key = w.key("H:EDITOR").to_owned();
        let id = o(w, "H.def.priv1");
        let version = w.version(&key, &id).await;
        w.ok(&key, "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { id } } }",
            json!({ "input": { "id": id, "expectedVersion": version, "status": "DETAINED", "safetyNotes": "CANARY-SAFETY-H-1b" } })).await;
        let index = w.by_label["H.def.priv1"];
        w.recs[index].confidential.push("CANARY-SAFETY-H-1b".into());
    }

    // Shares of H's records with X, which is no viewer.
    w.share("H.def.priv1", Org::X, Access::Read, true).await;
    w.share("H.res.priv", Org::X, Access::Edit, false).await;
    w.share("H.camp.priv", Org::X, Access::Read, false).await;
    w.share("H.org.priv", Org::X, Access::Read, false).await;

    // PUBLIC records that H then archives, linked to visible records.
    w.create(Org::H, "Defender", "H.def.arch", Vis::Public, merge(canaries("H-4"), json!({ "name": "Ilham Tohti", "countryCode": "CN", "consent": "GIVEN",
        "status": "IMPRISONED", "sectors": ["ACADEMIA", "MINORITY_RIGHTS"], "events": [{ "kind": "SENTENCE", "occurredOn": "2015", "sentence": { "life": true }, "restrictionId": res_pub }],
        "affiliations": [{ "organisationId": org_pub }], "restrictionLinks": [{ "restrictionId": res_pub, "relation": "AFFECTED_BY" }] }))).await;
    w.create(Org::H, "Restriction", "H.res.arch", Vis::Public, json!({ "title": "Five North Dakota bills restricting the right to protest", "kind": "BILL",
        "status": "DEFEATED", "countryCode": "US", "subdivisionCode": "US-ND", "introducedOn": "2015", "rights": ["PEACEFUL_ASSEMBLY"] })).await;
    w.create(
        Org::H,
        "Organisation",
        "H.org.arch",
        Vis::Public,
        json!({ "name": "Amnesty International USA", "kind": "NGO", "countryCode": "US" }),
    )
    .await;
    w.create(
        Org::H,
        "Source",
        "H.src.arch",
        Vis::Public,
        json!({ "title": "Field report on evictions in Cajamarca", "publishedOn": "2016" }),
    )
    .await;
    w.create(
        Org::H,
        "CountryRating",
        "H.rat.arch",
        Vis::Public,
        json!({ "countryCode": "PE", "rating": "CLOSED", "ratedOn": "2025",
        "organisationId": org_pub }),
    )
    .await;
    w.create(Org::H, "Campaign", "H.camp.arch", Vis::Public, json!({ "title": "Protect the right to protest in the U.S.", "kind": "PETITION",
        "leadOrganisationId": org_pub, "defenderIds": [def_pub], "restrictionIds": [res_pub], "areas": ["US", "PE"], "startedOn": "2016-11" })).await;
    w.enter_children(Org::H, "H.def.arch").await;
    for label in ["H.def.arch", "H.res.arch", "H.org.arch", "H.src.arch", "H.rat.arch", "H.camp.arch"] {
        w.archive(Org::H, label).await;
        w.once_visible.insert(o(w, label));
    }

    // A PUBLIC defender whose consent H then withdraws: PRIVATE from then on.
    w.create(Org::H, "Defender", "H.def.withdrawn", Vis::Public, merge(canaries("H-5"), json!({ "name": "Máxima Acuña", "countryCode": "PE", "consent": "GIVEN",
        "status": "THREATENED", "sectors": ["LAND"], "events": [{ "kind": "THREAT", "occurredOn": "2016-11-15" }],
        "affiliations": [{ "organisationId": org_pub }], "restrictionLinks": [{ "restrictionId": res_pub, "relation": "OPPOSES" }] }))).await;
    {
        let key = w.key("H:EDITOR").to_owned();
        let id = o(w, "H.def.withdrawn");
        let version = w.version(&key, &id).await;
        w.ok(
            &key,
            "mutation ($input: UpdateDefenderInput!) { updateDefender(input: $input) { defender { visibility } } }",
            json!({ "input": { "id": id, "expectedVersion": version, "consent": "WITHDRAWN" } }),
        )
        .await;
        let index = w.by_label["H.def.withdrawn"];
        w.recs[index].vis = Vis::Private;
        w.recs[index].consent_given = false;
        w.once_visible.insert(id);
    }

    // Hidden defenders merged into hidden defenders; one pair unmerged again.
    let key = w.key("H:EDITOR").to_owned();
    w.create(Org::H, "Defender", "H.def.m1", Vis::Private, merge(canaries("H-6"), json!({ "name": "Yusuf al-Rahman", "countryCode": "SA", "status": "DETAINED",
        "events": [{ "kind": "DETENTION", "occurredOn": "2015-03" }], "affiliations": [{ "organisationId": org_pub }] }))).await;
    w.create(Org::H, "Defender", "H.def.m2", Vis::Private, merge(canaries("H-7"), json!({ "name": "Yousef Alrahman", "countryCode": "SA",
        "otherNames": [{ "name": "Yusuf al Rahman" }], "restrictionLinks": [{ "restrictionId": res_pub, "relation": "OPPOSES" }] }))).await;
    w.create(Org::H, "Defender", "H.def.u1", Vis::Private, json!({ "name": "Ana María Quispe", "countryCode": "PE" }))
        .await;
    w.create(
        Org::H,
        "Defender",
        "H.def.u2",
        Vis::Private,
        json!({ "name": "Ana Maria Quispe", "countryCode": "PE", "affiliations": [{ "organisationId": org_pub }] }),
    )
    .await;
    w.enter_children(Org::H, "H.def.priv1").await;
    w.enter_children(Org::H, "H.def.priv2").await;
    w.enter_children(Org::H, "H.def.sub").await;
    w.enter_children(Org::H, "H.def.withdrawn").await;
    w.enter_children(Org::H, "H.def.m1").await;
    w.enter_children(Org::H, "H.def.m2").await;
    w.enter_children(Org::H, "H.def.u2").await;
    const MERGE: &str = "mutation ($input: MergeInput!) { mergeDefenders(input: $input) { defender { id } } }";
    w.ok(&key, MERGE, json!({ "input": { "survivorId": o(w, "H.def.m1"), "absorbedId": o(w, "H.def.m2") } })).await;
    let index = w.by_label["H.def.m2"];
    w.recs[index].absorbed_into = Some(o(w, "H.def.m1"));
    w.ok(&key, MERGE, json!({ "input": { "survivorId": o(w, "H.def.u1"), "absorbedId": o(w, "H.def.u2") } })).await;
    w.ok(
        &key,
        "mutation ($input: UnmergeInput!) { unmergeDefender(input: $input) { defender { id } } }",
        json!({ "input": { "absorbedId": o(w, "H.def.u2") } }),
    )
    .await;
    // Organisation records merged the same way.
    w.create(
        Org::H,
        "Organisation",
        "H.org.m1",
        Vis::Private,
        json!({ "name": "Riverside Residents Association", "kind": "COMMUNITY", "countryCode": "PE" }),
    )
    .await;
    w.create(
        Org::H,
        "Organisation",
        "H.org.m2",
        Vis::Private,
        json!({ "name": "Riverside Residents' Association", "kind": "COMMUNITY", "countryCode": "PE" }),
    )
    .await;
    w.ok(
        &key,
        "mutation ($input: MergeInput!) { mergeOrganisations(input: $input) { organisation { id } } }",
        json!({ "input": { "survivorId": o(w, "H.org.m1"), "absorbedId": o(w, "H.org.m2") } }),
    )
    .await;
    let index = w.by_label["H.org.m2"];
    w.recs[index].absorbed_into = Some(o(w, "H.org.m1"));

    // Duplicate judgements by H: on hidden pairs, a hidden-visible pair, and a visible pair.
    const JUDGE: &str = "mutation ($input: JudgeDuplicateInput!) { judgeDuplicate(input: $input) { verdict } }";
    for (first, second, verdict) in [
        (o(w, "H.def.priv1"), sample_acuna.clone(), "SAME"),
        (o(w, "H.def.priv1"), def_pub.clone(), "UNSURE"),
        (o(w, "H.def.m1"), o(w, "O.def.partners"), "SAME"),
        (def_pub.clone(), sample_acuna.clone(), "DIFFERENT"),
    ] {
        w.ok(&key, JUDGE, json!({ "input": { "recordType": "DEFENDER", "firstId": first, "secondId": second, "verdict": verdict, "note": "CANARY-JUDGEMENT-NOTE" } })).await;
    }
    w.ok(&key, JUDGE, json!({ "input": { "recordType": "ORGANISATION", "firstId": h_org, "secondId": org_pub, "verdict": "DIFFERENT" } })).await;
    // Judgement notes are H's own: no viewer may ever read one.
    let index = w.by_label["H.org.priv"];
    w.recs[index].confidential.push("CANARY-JUDGEMENT-NOTE".into());

    // A committed import by H, under the external ids the viewers' dry runs use.
    let csv = format!(
        "external_id,name,country_code,subdivision_code,status,sectors,visibility,consent,safety_notes,affiliations,restriction_links\n\
         NI-1,Máxima Acuña,PE,PE-CAJ,AT_RISK,LAND,PRIVATE,GIVEN,CANARY-SAFETY-H-8,{org_pub};member;2011,{res_pub};AFFECTED_BY;CANARY-NOTE-H-8\n\
         NI-2,Mohammad al-Qahtani,SA,,IMPRISONED,ACADEMIA,PRIVATE,UNKNOWN,,,\n"
    );
    let data = w
        .ok(
            &key,
            "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { committed created } }",
            json!({ "input": { "format": "CSV", "recordType": "DEFENDER", "data": csv } }),
        )
        .await;
    assert_eq!(data["importRecords"]["created"], 2, "{data}");
    let jsonl = "{\"type\":\"organisation\",\"externalId\":\"NI-ORG-1\",\"name\":\"Amnesty International\",\"kind\":\"NGO\",\"countryCode\":\"PE\",\"visibility\":\"PRIVATE\"}\n";
    w.ok(
        &key,
        "mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { committed } }",
        json!({ "input": { "format": "JSON_LINES", "data": jsonl } }),
    )
    .await;
    let h_admin = w.key("H:ADMIN").to_owned();
    let data = w
        .ok(
            &h_admin,
            "{ defenders(first: 100) { nodes { id name visibility contributedBy { id } } }
                                 organisations(first: 100) { nodes { id name visibility contributedBy { id } } } }",
            json!({}),
        )
        .await;
    let known: Vec<String> = w.recs.iter().map(|r| r.gid.clone()).collect();
    let h = w.orgs[&Org::H].clone();
    let mut imported = 0;
    for (list, ty) in [("defenders", "Defender"), ("organisations", "Organisation")] {
        for node in data[list]["nodes"].as_array().unwrap() {
            let gid = node["id"].as_str().unwrap().to_owned();
            if node["contributedBy"]["id"] == h.as_str() && !known.contains(&gid) {
                imported += 1;
                let label = format!("H.import.{ty}.{imported}");
                let confidential =
                    if node["name"] == "Máxima Acuña" { vec!["CANARY-SAFETY-H-8".to_owned()] } else { Vec::new() };
                w.enter(Rec {
                    label,
                    ty,
                    uuid: crate::common::uuid_of(&gid),
                    gid,
                    contributor: Some(Org::H),
                    vis: Vis::Private,
                    consent_given: false,
                    shares: Vec::new(),
                    archived: false,
                    absorbed_into: None,
                    parents: Vec::new(),
                    confidential,
                    baseline: false,
                    added_in: "B",
                });
            }
        }
    }
    assert_eq!(imported, 3, "H's imported records: {data}");
    // The note of a link is not confidential, but it belongs to a hidden defender.
    let index = w.by_label["H.def.priv1"];
    w.recs[index].confidential.push("CANARY-NOTE-H-8".into());
    // H's statements on visible records (above) are seen by no viewer.
    for n in 1..=3 {
        w.recs[index].confidential.push(format!("CANARY-STATEMENT-H-{n}"));
    }

    // A new API key of H, and H's key ids (for revokeApiKey).
    w.ok(
        &h_admin,
        "mutation { createApiKey(input: { role: READER, label: \"hidden\" }) { apiKey { id } } }",
        json!({}),
    )
    .await;
    let data = w.ok(&h_admin, "{ viewer { apiKeys { id } } }", json!({})).await;
    w.hidden_key_ids =
        data["viewer"]["apiKeys"].as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap().to_owned()).collect();
}

/// Phase D: H adds records for partners: visible to every partner viewer,
/// hidden from the anonymous one.
pub async fn partner_data(w: &mut World) {
    w.phase = "D";
    let o = |w: &World, l: &str| w.id(l);
    let (org_pub, res_pub, def_pub) = (o(w, "O.org.pub"), o(w, "O.res.pub"), o(w, "O.def.pub"));
    let sample_acuna = o(w, "sample.Máxima Acuña");
    w.create(
        Org::H,
        "Organisation",
        "H.org.partners",
        Vis::Partners,
        json!({ "name": "Amnesty International", "kind": "NGO", "countryCode": "US" }),
    )
    .await;
    w.create(Org::H, "Restriction", "H.res.partners", Vis::Partners, json!({ "title": "Florida bill restricting the right to protest", "reference": "HB 1",
        "kind": "LAW", "status": "ENACTED", "countryCode": "US", "subdivisionCode": "US-FL", "introducedOn": "2016-11-15", "rights": ["PEACEFUL_ASSEMBLY"] })).await;
    w.create(
        Org::H,
        "Source",
        "H.src.partners",
        Vis::Partners,
        json!({ "title": "Field report on evictions in Cajamarca" }),
    )
    .await;
    w.create(Org::H, "Defender", "H.def.partners", Vis::Partners, merge(canaries("H-9"), json!({ "name": "Máxima Acuña", "countryCode": "PE", "consent": "GIVEN",
        "status": "KILLED", "sectors": ["LAND"], "events": [{ "kind": "KILLING", "occurredOn": "2015", "restrictionId": res_pub }],
        "affiliations": [{ "organisationId": org_pub }], "restrictionLinks": [{ "restrictionId": res_pub, "relation": "OPPOSES" }] }))).await;
    w.create(Org::H, "Campaign", "H.camp.partners", Vis::Partners, json!({ "title": "Priority case: Máxima Acuña", "kind": "INDIVIDUAL_CASE",
        "leadOrganisationId": org_pub, "defenderIds": [def_pub, sample_acuna], "restrictionIds": [res_pub], "areas": ["PE", "US-FL"], "startedOn": "2015" })).await;
    w.create(
        Org::H,
        "CountryRating",
        "H.rat.partners",
        Vis::Partners,
        json!({ "countryCode": "PE", "rating": "OPEN", "ratedOn": "2025-06",
        "organisationId": org_pub }),
    )
    .await;
    w.cite(Org::H, "H.def.partners", "O.src.pub", "p. 7").await;
    w.enter_children(Org::H, "H.def.partners").await;
}
