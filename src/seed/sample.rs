//! The sample dataset: the defenders, organisations, restrictions, campaigns
//! and figures named on Amnesty International USA's public page about human
//! rights defenders. Every fact here is stated on that page, and every record
//! cites it, with the words it rests on as the citation's locator.

use chrono::{DateTime, Utc};
use entity::*;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::seed::reference::{is_loaded, mark_loaded};
use crate::service::sources::CitingRecord;
use crate::service::text::sort_key;

/// The name under which the sample is recorded in `dataset`.
pub const DATASET: &str = "sample:amnesty-usa-human-rights-defenders";

/// What the sample cites.
const SOURCE_TITLE: &str = "Human rights defenders";
const SOURCE_PUBLISHER: &str = "Amnesty International USA";

/// Writes the sample records inside one transaction.
struct Writer<'a, C> {
    db: &'a C,
    now: DateTime<Utc>,
    source: Uuid,
}

fn date(text: &str) -> PartialDate {
    // The sample's dates are literals checked by the tests.
    text.parse().unwrap_or_else(|error| panic!("sample date: {error}"))
}

impl<C: ConnectionTrait> Writer<'_, C> {
    async fn cite(&self, record: CitingRecord, id: Uuid, quote: &str) -> Result<(), DbErr> {
        citation::ActiveModel {
            id: Set(Uuid::now_v7()),
            source_id: Set(self.source),
            record_type: Set(record.as_str().to_owned()),
            record_id: Set(id),
            locator: Set(Some(quote.to_owned())),
            created_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        Ok(())
    }

    async fn organisation(
        &self,
        name: &str,
        acronym: Option<&str>,
        kind: OrganisationKind,
        country: Option<&str>,
        summary: Option<&str>,
        quote: &str,
    ) -> Result<Uuid, DbErr> {
        let id = Uuid::now_v7();
        organisation::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            acronym: Set(acronym.map(str::to_owned)),
            kind: Set(kind),
            country_code: Set(country.map(str::to_owned)),
            website: Set(None),
            summary: Set(summary.map(str::to_owned)),
            sort_key: Set(sort_key(name)),
            contributed_by_id: Set(None),
            merged_into_id: Set(None),
            visibility: Set(Visibility::Public),
            version: Set(1),
            archived_at: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        self.cite(CitingRecord::Organisation, id, quote).await?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn defender(
        &self,
        name: &str,
        country: &str,
        subdivision: Option<&str>,
        occupation: Option<&str>,
        status: DefenderStatus,
        sectors: &[Sector],
        summary: &str,
        quote: &str,
    ) -> Result<Uuid, DbErr> {
        let id = Uuid::now_v7();
        defender::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            country_code: Set(country.to_owned()),
            subdivision_code: Set(subdivision.map(str::to_owned)),
            occupation: Set(occupation.map(str::to_owned)),
            summary: Set(Some(summary.to_owned())),
            status: Set(status),
            // The page publishes these cases for public campaigning.
            consent: Set(Consent::Given),
            exact_location: Set(None),
            contact_details: Set(None),
            safety_notes: Set(None),
            sort_key: Set(sort_key(name)),
            contributed_by_id: Set(None),
            merged_into_id: Set(None),
            visibility: Set(Visibility::Public),
            version: Set(1),
            archived_at: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        for sector in sectors {
            defender_sector::ActiveModel { defender_id: Set(id), sector: Set(*sector) }.insert(self.db).await?;
        }
        self.cite(CitingRecord::Defender, id, quote).await?;
        Ok(id)
    }

    async fn other_name(&self, defender: Uuid, name: &str, kind: OtherNameKind) -> Result<(), DbErr> {
        defender_name::ActiveModel {
            id: Set(Uuid::now_v7()),
            defender_id: Set(defender),
            name: Set(name.to_owned()),
            kind: Set(kind),
            language: Set(None),
            sort_key: Set(sort_key(name)),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        Ok(())
    }

    async fn affiliation(&self, defender: Uuid, organisation: Uuid, role: &str) -> Result<(), DbErr> {
        affiliation::ActiveModel {
            id: Set(Uuid::now_v7()),
            defender_id: Set(defender),
            organisation_id: Set(organisation),
            role: Set(Some(role.to_owned())),
            started_on: Set(None),
            ended_on: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        Ok(())
    }

    async fn event(
        &self,
        defender: Uuid,
        kind: CaseEventKind,
        occurred_on: Option<&str>,
        perpetrator: Option<PerpetratorType>,
        sentence: (Option<i32>, bool),
        description: &str,
    ) -> Result<(), DbErr> {
        case_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            defender_id: Set(defender),
            kind: Set(kind),
            occurred_on: Set(occurred_on.map(date)),
            description: Set(Some(description.to_owned())),
            perpetrator_type: Set(perpetrator),
            sentence_months: Set(sentence.0),
            sentence_life: Set(sentence.1),
            restriction_id: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn restriction(
        &self,
        title: &str,
        reference: Option<&str>,
        status: RestrictionStatus,
        jurisdiction: (&str, &str),
        rights: &[Right],
        summary: &str,
        quote: &str,
    ) -> Result<Uuid, DbErr> {
        let id = Uuid::now_v7();
        restriction::ActiveModel {
            id: Set(id),
            title: Set(title.to_owned()),
            reference: Set(reference.map(str::to_owned)),
            kind: Set(RestrictionKind::Bill),
            status: Set(status),
            country_code: Set(jurisdiction.0.to_owned()),
            subdivision_code: Set(Some(jurisdiction.1.to_owned())),
            introduced_on: Set(None),
            decided_on: Set(None),
            summary: Set(Some(summary.to_owned())),
            sort_key: Set(sort_key(title)),
            contributed_by_id: Set(None),
            visibility: Set(Visibility::Public),
            version: Set(1),
            archived_at: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        for right in rights {
            restriction_right::ActiveModel { restriction_id: Set(id), right: Set(*right) }.insert(self.db).await?;
        }
        restriction_status_change::ActiveModel {
            id: Set(Uuid::now_v7()),
            restriction_id: Set(id),
            status: Set(status),
            changed_on: Set(None),
            note: Set(Some(quote.to_owned())),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        self.cite(CitingRecord::Restriction, id, quote).await?;
        Ok(id)
    }

    async fn campaign(&self, spec: CampaignSpec<'_>) -> Result<Uuid, DbErr> {
        let id = Uuid::now_v7();
        campaign::ActiveModel {
            id: Set(id),
            title: Set(spec.title.to_owned()),
            kind: Set(spec.kind),
            status: Set(spec.status),
            lead_organisation_id: Set(Some(spec.lead)),
            started_on: Set(None),
            ended_on: Set(None),
            summary: Set(Some(spec.summary.to_owned())),
            outcome: Set(spec.outcome.map(|(outcome, _)| outcome)),
            outcome_summary: Set(spec.outcome.map(|(_, summary)| summary.to_owned())),
            sort_key: Set(sort_key(spec.title)),
            contributed_by_id: Set(None),
            visibility: Set(Visibility::Public),
            version: Set(1),
            archived_at: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        // One row per targeted country, and one per targeted subdivision.
        let mut countries: Vec<&str> = Vec::new();
        for area in spec.areas {
            let (country, subdivision) = match area.split_once('-') {
                Some((country, _)) => (country, Some(*area)),
                None => (*area, None),
            };
            if !countries.contains(&country) {
                countries.push(country);
                self.area(id, country, None).await?;
            }
            if let Some(subdivision) = subdivision {
                self.area(id, country, Some(subdivision)).await?;
            }
        }
        for defender in spec.defenders {
            campaign_defender::ActiveModel { campaign_id: Set(id), defender_id: Set(*defender) }
                .insert(self.db)
                .await?;
        }
        for restriction in spec.restrictions {
            campaign_restriction::ActiveModel { campaign_id: Set(id), restriction_id: Set(*restriction) }
                .insert(self.db)
                .await?;
        }
        self.cite(CitingRecord::Campaign, id, spec.quote).await?;
        Ok(id)
    }

    async fn area(&self, campaign: Uuid, country: &str, subdivision: Option<&str>) -> Result<(), DbErr> {
        campaign_area::ActiveModel {
            id: Set(Uuid::now_v7()),
            campaign_id: Set(campaign),
            country_code: Set(country.to_owned()),
            subdivision_code: Set(subdivision.map(str::to_owned)),
        }
        .insert(self.db)
        .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn indicator(
        &self,
        key: &str,
        description: &str,
        value: i64,
        qualifier: IndicatorQualifier,
        unit: &str,
        year: Option<i32>,
        country: Option<&str>,
    ) -> Result<(), DbErr> {
        let id = Uuid::now_v7();
        indicator::ActiveModel {
            id: Set(id),
            key: Set(key.to_owned()),
            description: Set(description.to_owned()),
            value: Set(value),
            qualifier: Set(qualifier),
            unit: Set(unit.to_owned()),
            year: Set(year),
            country_code: Set(country.map(str::to_owned)),
            source_id: Set(Some(self.source)),
            contributed_by_id: Set(None),
            visibility: Set(Visibility::Public),
            version: Set(1),
            archived_at: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        }
        .insert(self.db)
        .await?;
        self.cite(CitingRecord::Indicator, id, description).await
    }
}

struct CampaignSpec<'a> {
    title: &'a str,
    kind: CampaignKind,
    status: CampaignStatus,
    lead: Uuid,
    summary: &'a str,
    outcome: Option<(CampaignOutcome, &'a str)>,
    areas: &'a [&'a str],
    defenders: &'a [Uuid],
    restrictions: &'a [Uuid],
    quote: &'a str,
}

/// Loads the sample dataset into a database that holds no records yet,
/// unless it was loaded before (even if its records were since changed or
/// archived). Returns whether it loaded anything.
pub async fn load<C: TransactionTrait>(db: &C) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    if is_loaded(&txn, DATASET).await? {
        return Ok(false);
    }
    if defender::Entity::find().one(&txn).await?.is_some() || organisation::Entity::find().one(&txn).await?.is_some() {
        tracing::info!("the database holds records already: the sample dataset is not loaded");
        return Ok(false);
    }
    let now = Utc::now();
    let source = Uuid::now_v7();
    source::ActiveModel {
        id: Set(source),
        url: Set(None),
        title: Set(SOURCE_TITLE.to_owned()),
        publisher: Set(Some(SOURCE_PUBLISHER.to_owned())),
        published_on: Set(None),
        sort_key: Set(sort_key(SOURCE_TITLE)),
        contributed_by_id: Set(None),
        visibility: Set(Visibility::Public),
        version: Set(1),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let w = Writer { db: &txn, now, source };
    write_records(&w).await?;
    mark_loaded(&txn, DATASET).await?;
    txn.commit().await?;
    tracing::info!("loaded the sample dataset");
    Ok(true)
}

/// The records of the sample dataset, kind by kind; later kinds refer to
/// earlier ones by the ids these steps return.
async fn write_records<C: ConnectionTrait>(w: &Writer<'_, C>) -> Result<(), DbErr> {
    let organisations = organisations(w).await?;
    let defenders = defenders(w, &organisations).await?;
    let restrictions = restrictions(w).await?;
    campaigns(w, &organisations, &defenders, &restrictions).await?;
    published_figures(w).await
}

/// The organisations that other sample records refer to.
struct Organisations {
    amnesty: Uuid,
    amnesty_usa: Uuid,
    acpra: Uuid,
}

/// The sample defenders.
struct Defenders {
    qahtani: Uuid,
    acuna: Uuid,
    tohti: Uuid,
    allard: Uuid,
}

/// The sample restrictions.
struct Restrictions {
    florida: Uuid,
    north_dakota: Uuid,
}

/// Organisations named on the page.
async fn organisations<C: ConnectionTrait>(w: &Writer<'_, C>) -> Result<Organisations, DbErr> {
    use OrganisationKind as OK;

    let amnesty = w
        .organisation(
            "Amnesty International",
            None,
            OK::Ngo,
            None,
            Some("Has fought for the freedom of people imprisoned for their activism for more than 55 years."),
            "For more than 55 years, Amnesty International has fought for – and won – the freedom of people around the world who were imprisoned for their activism",
        )
        .await?;
    let amnesty_usa = w
        .organisation(
            "Amnesty International USA",
            None,
            OK::Ngo,
            Some("US"),
            Some("Mobilizes grassroots activists in the United States to defeat legislation that would limit peaceful protest."),
            "We mobilize grassroots activists in the United States to defeat state and federal legislation that would limit people’s ability to protest peacefully.",
        )
        .await?;
    let acpra = w
        .organisation(
            "Saudi Civil and Political Rights Association",
            Some("ACPRA"),
            OK::Ngo,
            Some("SA"),
            Some("One of Saudi Arabia’s few independent human rights organizations."),
            "the Saudi Civil and Political Rights Association (ACPRA), one of Saudi Arabia’s few independent human rights organizations",
        )
        .await?;
    w.organisation(
        "Sioux Tribe",
        None,
        OK::Community,
        Some("US"),
        Some("Was not properly consulted when an oil company wanted to build a pipeline near the Standing Rock Reservation in North Dakota."),
        "When an oil company wanted to build a pipeline near the Standing Rock Reservation in North Dakota, the Sioux Tribe was not properly consulted",
    )
    .await?;
    w.organisation(
        "Army Corps of Engineers",
        None,
        OK::StateAgency,
        Some("US"),
        None,
        "talks with Maj. Gen. Donald Jackson of the Army Corps of Engineers during a demonstration against the proposed Dakota Access Pipeline outside the Corps headquarters",
    )
    .await?;
    w.organisation(
        "Department of Justice",
        None,
        OK::StateAgency,
        Some("US"),
        Some("May consider policies to restrict the right to protest."),
        "On the federal level, the Department of Justice and Congress may consider policies to restrict the right to protest.",
    )
    .await?;
    w.organisation(
        "Congress",
        None,
        OK::Legislature,
        Some("US"),
        Some("May consider policies to restrict the right to protest."),
        "On the federal level, the Department of Justice and Congress may consider policies to restrict the right to protest.",
    )
    .await?;
    w.organisation(
        "North Dakota State Legislature",
        None,
        OK::Legislature,
        Some("US"),
        None,
        "we also helped defeat five bills in the North Dakota State Legislature that would have restricted the right to protest",
    )
    .await?;
    w.organisation(
        "Florida Legislature",
        None,
        OK::Legislature,
        Some("US"),
        None,
        "Read our recent letter to the Florida Legislature on HB1/SB 484.",
    )
    .await?;
    Ok(Organisations { amnesty, amnesty_usa, acpra })
}

/// Defenders, with their cases.
async fn defenders<C: ConnectionTrait>(w: &Writer<'_, C>, organisations: &Organisations) -> Result<Defenders, DbErr> {
    let acpra = organisations.acpra;
    let qahtani = w
        .defender(
            "Mohammad al-Qahtani",
            "SA",
            None,
            Some("Economics professor"),
            DefenderStatus::Imprisoned,
            &[Sector::CivilAndPoliticalRights],
            "An economics professor and co-founder of the Saudi Civil and Political Rights Association (ACPRA), serving a ten-year prison sentence for his peaceful activism.",
            "Mohammad al-Qahtani, an economics professor and co-founder of the Saudi Civil and Political Rights Association (ACPRA), one of Saudi Arabia’s few independent human rights organizations, is serving a ten-year prison sentence for his peaceful activism.",
        )
        .await?;
    w.affiliation(qahtani, acpra, "co-founder").await?;
    w.event(
        qahtani,
        CaseEventKind::Sentence,
        None,
        Some(PerpetratorType::State),
        (Some(120), false),
        "Serving a ten-year prison sentence for his peaceful activism.",
    )
    .await?;

    let acuna = w
        .defender(
            "Máxima Acuña",
            "PE",
            None,
            Some("Peasant farmer"),
            DefenderStatus::AtRisk,
            &[Sector::Land],
            "A peasant farmer in northern Peru who has braved violent harassment and intimidation from local police for refusing to leave the land where she lives with her family.",
            "Máxima Acuña, a peasant farmer in northern Peru, has braved violent harassment and intimidation from local police for refusing to leave the land where she lives with her family.",
        )
        .await?;
    w.event(
        acuna,
        CaseEventKind::Harassment,
        None,
        Some(PerpetratorType::State),
        (None, false),
        "Violent harassment and intimidation from local police for refusing to leave the land where she lives with her family.",
    )
    .await?;

    let tohti = w
        .defender(
            "Ilham Tohti",
            "CN",
            None,
            Some("University professor"),
            DefenderStatus::Imprisoned,
            &[Sector::MinorityRights, Sector::Academia],
            "A respected university professor who has worked to build bridges between ethnic communities in China and always opposed violence in his writing and lectures; jailed for life.",
            "Ilham Tohti, a respected university professor, has worked tirelessly to build bridges between ethnic communities in China. He always opposed violence in his writing and lectures. But he’s been jailed for life – supposedly for stirring up ethnic hatred.",
        )
        .await?;
    w.event(
        tohti,
        CaseEventKind::Sentence,
        None,
        Some(PerpetratorType::State),
        (None, true),
        "Jailed for life, supposedly for stirring up ethnic hatred.",
    )
    .await?;

    let allard = w
        .defender(
            "LaDonna Brave Bull Allard",
            "US",
            Some("US-ND"),
            None,
            DefenderStatus::Unknown,
            &[Sector::IndigenousPeoples, Sector::Environment],
            "Of Cannon Ball, North Dakota. With Indigenous communities, fought back against a pipeline planned near the Standing Rock Reservation without proper consultation of the Sioux Tribe.",
            "LaDonna Brave Bull Allard and Indigenous communities decided to fight back.",
        )
        .await?;
    w.other_name(allard, "Ladonna Brave Bull Allard", OtherNameKind::Alias).await?;
    w.event(
        allard,
        CaseEventKind::Other,
        Some("2016-11-15"),
        None,
        (None, false),
        "At a demonstration against the proposed Dakota Access Pipeline outside the Army Corps of Engineers headquarters in Washington, DC, asked Maj. Gen. Donald Jackson to block the pipeline.",
    )
    .await?;
    Ok(Defenders { qahtani, acuna, tohti, allard })
}

/// Restrictions, with their histories.
async fn restrictions<C: ConnectionTrait>(w: &Writer<'_, C>) -> Result<Restrictions, DbErr> {
    let florida = w
        .restriction(
            "Florida bill restricting the right to protest",
            Some("HB 1 / SB 484"),
            RestrictionStatus::Pending,
            ("US", "US-FL"),
            &[Right::PeacefulAssembly],
            "One of the bills introduced in 19 states to restrict the right to protest; Amnesty International USA wrote to the Florida Legislature about it.",
            "Bills have been introduced in 19 states to restrict the right to protest. Read our recent letter to the Florida Legislature on HB1/SB 484.",
        )
        .await?;
    let north_dakota = w
        .restriction(
            "Five North Dakota bills restricting the right to protest",
            None,
            RestrictionStatus::Defeated,
            ("US", "US-ND"),
            &[Right::PeacefulAssembly],
            "Five bills in the North Dakota State Legislature that would have restricted the right to protest; defeated.",
            "we also helped defeat five bills in the North Dakota State Legislature that would have restricted the right to protest",
        )
        .await?;
    Ok(Restrictions { florida, north_dakota })
}

/// Campaigns, naming their lead, defenders and restrictions.
async fn campaigns<C: ConnectionTrait>(
    w: &Writer<'_, C>,
    organisations: &Organisations,
    defenders: &Defenders,
    restrictions: &Restrictions,
) -> Result<(), DbErr> {
    use CampaignKind as CK;

    let amnesty = organisations.amnesty;
    let amnesty_usa = organisations.amnesty_usa;
    let qahtani = defenders.qahtani;
    let acuna = defenders.acuna;
    let tohti = defenders.tohti;
    let allard = defenders.allard;
    let florida = restrictions.florida;
    let north_dakota = restrictions.north_dakota;
    w.campaign(CampaignSpec {
        title: "Human rights observers at Standing Rock",
        kind: CK::ObservationMission,
        status: CampaignStatus::Closed,
        lead: amnesty,
        summary: "At the invitation of community leaders, several delegations of human rights observers went to Standing Rock to document the police response to protests; for months Amnesty pressed the governor and local law enforcement to respect everyone’s human rights.",
        outcome: None,
        areas: &["US-ND"],
        defenders: &[allard],
        restrictions: &[],
        quote: "At the invitation of community leaders, Amnesty International sent several delegations of human rights observers to Standing Rock to document the police response to protests.",
    })
    .await?;
    w.campaign(CampaignSpec {
        title: "Defeat the North Dakota bills against protest",
        kind: CK::LegislativeAdvocacy,
        status: CampaignStatus::Succeeded,
        lead: amnesty,
        summary: "Direct advocacy and grassroots mobilization against bills in the North Dakota State Legislature that would have restricted the right to protest.",
        outcome: Some((CampaignOutcome::Achieved, "Five bills that would have restricted the right to protest were defeated.")),
        areas: &["US-ND"],
        defenders: &[],
        restrictions: &[north_dakota],
        quote: "Through direct advocacy and grassroots mobilization, we also helped defeat five bills in the North Dakota State Legislature that would have restricted the right to protest.",
    })
    .await?;
    w.campaign(CampaignSpec {
        title: "Letter to the Florida Legislature on HB1/SB 484",
        kind: CK::Letter,
        status: CampaignStatus::Active,
        lead: amnesty_usa,
        summary: "A letter to the Florida Legislature on HB1/SB 484, one of the bills introduced in 19 states to restrict the right to protest.",
        outcome: Some((CampaignOutcome::Pending, "No outcome reported.")),
        areas: &["US-FL"],
        defenders: &[],
        restrictions: &[florida],
        quote: "Read our recent letter to the Florida Legislature on HB1/SB 484.",
    })
    .await?;
    w.campaign(CampaignSpec {
        title: "Protect the right to protest in the U.S.",
        kind: CK::LegislativeAdvocacy,
        status: CampaignStatus::Active,
        lead: amnesty_usa,
        summary: "Mobilizing grassroots activists in the United States to defeat state and federal legislation that would limit people’s ability to protest peacefully.",
        outcome: None,
        areas: &["US"],
        defenders: &[],
        restrictions: &[florida, north_dakota],
        quote: "We mobilize grassroots activists in the United States to defeat state and federal legislation that would limit people’s ability to protest peacefully. Take action to protect the right to protest in the U.S.",
    })
    .await?;
    for (title, country, defender) in [
        ("Priority case: Mohammad al-Qahtani", "SA", qahtani),
        ("Priority case: Máxima Acuña", "PE", acuna),
        ("Priority case: Ilham Tohti", "CN", tohti),
    ] {
        w.campaign(CampaignSpec {
            title,
            kind: CK::IndividualCase,
            status: CampaignStatus::Active,
            lead: amnesty_usa,
            summary: "One of three priority cases that supporters can work on now.",
            outcome: None,
            areas: &[country],
            defenders: &[defender],
            restrictions: &[],
            quote: "Here are three priority cases you can work on now.",
        })
        .await?;
    }
    Ok(())
}

/// The figures the page publishes.
async fn published_figures<C: ConnectionTrait>(w: &Writer<'_, C>) -> Result<(), DbErr> {
    w.indicator(
        "defenders_killed_or_died_in_detention",
        "Worldwide, at least 156 human rights defenders died in detention or were killed in 2015.",
        156,
        IndicatorQualifier::AtLeast,
        "human rights defenders",
        Some(2015),
        None,
    )
    .await?;
    w.indicator(
        "countries_imprisoning_people_for_exercising_rights",
        "At least 61 countries put people in prison simply for exercising their rights and freedoms.",
        61,
        IndicatorQualifier::AtLeast,
        "countries",
        None,
        None,
    )
    .await?;
    w.indicator(
        "countries_restricting_expression_and_press",
        "At least 113 countries restricted freedom of expression and the press in 2015.",
        113,
        IndicatorQualifier::AtLeast,
        "countries",
        Some(2015),
        None,
    )
    .await?;
    w.indicator(
        "us_states_with_bills_restricting_protest",
        "Bills have been introduced in 19 states to restrict the right to protest.",
        19,
        IndicatorQualifier::Exact,
        "U.S. states",
        None,
        Some("US"),
    )
    .await?;
    Ok(())
}
