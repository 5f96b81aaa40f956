//! Statements: who asserted which value of a record's facts, where from, in
//! which language and when; values in the languages a client prefers; and
//! `addStatement`, `acceptProposal` and `rejectProposal`.

use async_graphql::futures_util::future::BoxFuture;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{StatementStatus, case_event, statement};
use uuid::Uuid;

use crate::graphql::common::context::{RequestContext, StatementsOf};
use crate::graphql::common::history;
use crate::graphql::organisations::Organisation;
use crate::graphql::sources::Source;
use crate::ids::{GlobalId, NodeType};
use crate::service::as_of::Past;
use crate::service::audit::Audited;
use crate::service::statements::facts::{EVENT_DESCRIPTION, EventText};
use crate::service::statements::{StatementFilter, languages, proposals, reads};

/// One value of one fact of a record, with the organisation that asserted
/// it, the source it cites, its language, and when it was first and last
/// seen: FollowTheMoney's statement, with proposals.
pub struct Statement(pub statement::Model);

/// One value of one fact of a record, with the organisation that asserted
/// it, the source it cites, its language, and when it was first and last
/// seen: FollowTheMoney's statement, with proposals.
#[Object]
impl Statement {
    /// Global id: what `acceptProposal` and `rejectProposal` take.
    async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::Statement, self.0.id)
    }

    /// The fact, such as `name`, `otherName`, `status`, `summary`,
    /// `caseEvent` or `caseEventDescription` (see the docs for each type's
    /// properties).
    async fn property(&self) -> &str {
        &self.0.property
    }

    /// The value as text: a name, an ISO code, an enum value, a date, the
    /// UUID of the linked record (for a link), or JSON (for a case event,
    /// and for a case event's description in another language:
    /// `{"event": "<UUID>", "description": "…"}`).
    async fn value(&self) -> &str {
        &self.0.value
    }

    /// The value's language, as a BCP 47 tag, where known.
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }

    /// The organisation that asserted (or proposed) it; null for reference data.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        history::contributor(ctx, self.0.organisation_id).await
    }

    /// The source it cites, if any.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        let Some(id) = self.0.source_id else { return Ok(None) };
        Ok(RequestContext::of(ctx).record::<entity::source::Entity>(id).await?.map(Source))
    }

    /// Where in the source the value stands, such as a page or a quotation.
    async fn locator(&self) -> Option<&str> {
        self.0.locator.as_deref()
    }

    /// When the organisation first stated the value.
    async fn first_seen(&self) -> DateTime<Utc> {
        self.0.first_seen
    }

    /// The last write at which the organisation stated the value.
    async fn last_seen(&self) -> DateTime<Utc> {
        self.0.last_seen
    }

    /// Asserted, proposed (waiting for a decision) or rejected.
    async fn status(&self) -> StatementStatus {
        self.0.status
    }

    /// Whether the organisation still asserts the value (for a proposal:
    /// whether it is still open or was accepted). A value it replaced keeps
    /// its statement, no longer current.
    async fn current(&self) -> bool {
        self.0.current
    }
}

/// The statements of a record the viewer may see, filtered.
pub async fn statements_of(
    ctx: &Context<'_>,
    record: (Audited, Uuid),
    past: Option<&Past>,
    property: Option<String>,
    organisation: Option<ID>,
) -> Result<Vec<Statement>> {
    let organisation =
        organisation.map(|id| GlobalId::decode_uuid_of("organisation", &id, NodeType::Organisation)).transpose()?;
    let filter = StatementFilter { property, organisation };
    let all = stated(ctx, record, past).await?;
    Ok(reads::filtered(all, &filter).into_iter().map(Statement).collect())
}

/// The statements of a record the viewer may see: as they stood at the
/// moment of `past` when read as of a past date (see
/// [`crate::service::statements::reads::then`]).
async fn stated(ctx: &Context<'_>, record: (Audited, Uuid), past: Option<&Past>) -> Result<Vec<statement::Model>> {
    let all = RequestContext::of(ctx).loader.load_one(StatementsOf(record)).await?.unwrap_or_default();
    Ok(match past {
        Some(past) => reads::then(all, past.at),
        None => all,
    })
}

/// The languages a read prefers: its `language` argument, else the request's
/// `Accept-Language`.
fn preferences(ctx: &Context<'_>, language: Option<String>) -> Result<Vec<String>> {
    match language {
        Some(language) => Ok(vec![languages::tag("language", &language)?]),
        None => Ok(RequestContext::of(ctx).languages.to_vec()),
    }
}

/// A value that may be given in other languages: a record's translatable
/// fact, or a case event's description (its defender's
/// [`EVENT_DESCRIPTION`] statements that name it).
#[derive(Clone, Copy)]
pub enum Translated<'a> {
    Fact((Audited, Uuid), &'static str),
    EventDescription(&'a case_event::Model),
}

/// The statements that give a [`Translated`] value, each with the value as
/// text, under the property [`languages::choose`] is asked for.
async fn translations(
    ctx: &Context<'_>,
    of: Translated<'_>,
    past: Option<&Past>,
) -> Result<(Vec<statement::Model>, &'static str)> {
    Ok(match of {
        Translated::Fact(record, property) => (stated(ctx, record, past).await?, property),
        Translated::EventDescription(event) => {
            let all = stated(ctx, (Audited::Defender, event.defender_id), past).await?;
            let about_event = all
                .into_iter()
                .filter(|s| s.property == EVENT_DESCRIPTION)
                .filter_map(|mut s| {
                    let text = EventText::decode(&s.value).filter(|t| t.event == event.id)?;
                    s.value = text.description;
                    Some(s)
                })
                .collect();
            (about_event, EVENT_DESCRIPTION)
        }
    })
}

/// A translatable value in the preferred languages (see [`languages`]):
/// the current value when no language is preferred, without reading
/// anything.
pub fn localized<'a>(
    ctx: &'a Context<'_>,
    of: Translated<'a>,
    past: Option<&'a Past>,
    language: Option<String>,
    current: Option<&'a str>,
) -> BoxFuture<'a, Result<Option<String>>> {
    // Boxed: most reads prefer no language, and their futures stay small.
    Box::pin(async move {
        let preferences = preferences(ctx, language)?;
        if preferences.is_empty() {
            return Ok(current.map(str::to_owned));
        }
        let (all, property) = translations(ctx, of, past).await?;
        Ok(languages::choose(&all, property, &preferences, current).map(|chosen| chosen.value))
    })
}

/// The language of the value [`localized`] gives, where known.
pub fn language_of<'a>(
    ctx: &'a Context<'_>,
    of: Translated<'a>,
    past: Option<&'a Past>,
    language: Option<String>,
    current: Option<&'a str>,
) -> BoxFuture<'a, Result<Option<String>>> {
    Box::pin(async move {
        let preferences = preferences(ctx, language)?;
        let (all, property) = translations(ctx, of, past).await?;
        Ok(languages::choose(&all, property, &preferences, current).and_then(|chosen| chosen.language))
    })
}

/// A value to state.
#[derive(InputObject)]
pub struct AddStatementInput {
    /// The global id of a defender, restriction or campaign the caller may
    /// see; or of a case event, to give its `description` in another
    /// language (kept as the defender's `caseEventDescription` statement).
    pub record_id: ID,
    /// A single-valued property: for defenders name, status, occupation,
    /// summary, country, subdivision; for restrictions title, reference,
    /// kind, status, country, subdivision, introducedOn, decidedOn, summary;
    /// for campaigns title, kind, status, leadOrganisation, startedOn,
    /// endedOn, summary, outcome, outcomeSummary; for a case event,
    /// description (with a language). Lists' values (otherName, sector,
    /// caseEvent, affiliation, restriction, right, defender, area) as the
    /// mutation says.
    pub property: String,
    /// The value, as `Statement.value` gives it (enum values by name, dates
    /// as `2024`, `2024-05` or `2024-05-17`, countries as ISO codes); for a
    /// link, the linked record's global id (or UUID); for a case event,
    /// JSON such as `{"kind": "ARREST", "occurredOn": "2024-03"}`.
    pub value: String,
    /// A BCP 47 tag, for a value in another language (name, title, summary,
    /// occupation): it is added beside the current value. Without one, the
    /// value becomes the current value (or, from an organisation that may
    /// not change the record, is proposed).
    pub language: Option<String>,
    /// The global id of a source the value comes from.
    pub source_id: Option<ID>,
    /// Where in the source, such as a page or a quotation.
    pub locator: Option<String>,
}

/// A proposal to decide.
#[derive(InputObject)]
pub struct DecideProposalInput {
    /// The proposal's global id (`Statement.id`).
    pub id: ID,
}

/// The statement added or decided.
#[derive(SimpleObject)]
pub struct StatementPayload {
    /// The statement as stored now.
    pub statement: Statement,
}

/// Mutations of statements.
#[derive(Default)]
pub struct StatementMutations;

/// What a statement is given on: a record, or a case event (whose
/// description it gives in another language).
enum StatedOn {
    Record(Audited, Uuid),
    CaseEvent(Uuid),
}

fn stated_on(id: &ID) -> Result<StatedOn> {
    let decoded = GlobalId::decode("input.recordId", id)?;
    let on = match decoded {
        GlobalId::Uuid(NodeType::Defender, id) => StatedOn::Record(Audited::Defender, id),
        GlobalId::Uuid(NodeType::Restriction, id) => StatedOn::Record(Audited::Restriction, id),
        GlobalId::Uuid(NodeType::Campaign, id) => StatedOn::Record(Audited::Campaign, id),
        GlobalId::Uuid(NodeType::CaseEvent, id) => StatedOn::CaseEvent(id),
        _ => {
            return Err(crate::error::AppError::bad_input(
                "input.recordId",
                "statements are kept for defenders, restrictions, campaigns and case events",
            )
            .into());
        }
    };
    Ok(on)
}

#[Object]
impl StatementMutations {
    /// States a value of a record's fact as the caller's organisation's,
    /// citing a source if given. An organisation that may change the record
    /// asserts it: without a language the value becomes the record's current
    /// value, exactly as an update would make it; with one, it is the value
    /// in that language. An organisation that may only read the record
    /// proposes it, for those who may change the record to accept or
    /// reject. A value of a list (`otherName`, `sector`, `affiliation`, ...)
    /// is asserted by those who may change the record only if the record
    /// holds it: the statement says the caller asserts it too (adding a
    /// value to a list is an update). Those who may only read the record
    /// propose values of lists, added when accepted: a link only to a record
    /// they may see, carrying only that record (an affiliation without role,
    /// a restriction as AFFECTED_BY), and a case event as its `caseEvent`
    /// statement states one. A case event's description
    /// in another language is stated on the event (`recordId` its id,
    /// `property: "description"`, a `language`). Other organisations'
    /// statements are never changed. Needs an EDITOR or ADMIN key; each is
    /// an entry in the record's audit log.
    async fn add_statement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record, the fact, the value and where it comes from.")] input: AddStatementInput,
    ) -> Result<StatementPayload> {
        let rc = RequestContext::of(ctx);
        let source =
            input.source_id.map(|id| GlobalId::decode_uuid_of("input.sourceId", &id, NodeType::Source)).transpose()?;
        let (record, property, value) = match stated_on(&input.record_id)? {
            StatedOn::Record(kind, id) => ((kind, id), input.property, input.value),
            StatedOn::CaseEvent(event) => {
                proposals::on_case_event(&rc.db, &rc.viewer, event, &input.property, input.value).await?
            }
        };
        let new = proposals::NewStatement {
            record,
            property,
            value,
            language: input.language,
            source,
            locator: input.locator,
        };
        Ok(StatementPayload { statement: Statement(proposals::add(&rc.db, &rc.viewer, new).await?) })
    }

    /// Accepts a proposal: its value becomes the record's current value (or,
    /// with a language, the value in that language; or, for a list, is
    /// added to it), as the proposer's
    /// assertion and the caller's. Only organisations that may change the
    /// record decide.
    async fn accept_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal to decide.")] input: DecideProposalInput,
    ) -> Result<StatementPayload> {
        decide(ctx, input, true).await
    }

    /// Rejects a proposal: it stays, marked REJECTED, and changes nothing.
    async fn reject_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal to decide.")] input: DecideProposalInput,
    ) -> Result<StatementPayload> {
        decide(ctx, input, false).await
    }
}

async fn decide(ctx: &Context<'_>, input: DecideProposalInput, accept: bool) -> Result<StatementPayload> {
    let rc = RequestContext::of(ctx);
    let id = GlobalId::decode_uuid_of("input.id", &input.id, NodeType::Statement)?;
    Ok(StatementPayload { statement: Statement(proposals::decide(&rc.db, &rc.viewer, id, accept).await?) })
}
