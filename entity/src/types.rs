//! Value types shared by the entities: enumerations stored as text and
//! partial dates. With the `graphql` feature they double as GraphQL types, so
//! each is written and documented once.

use std::fmt;
use std::str::FromStr;

use sea_orm::entity::prelude::*;
use sea_orm::sqlx::postgres::{PgRow, PgTypeInfo};
use sea_orm::sqlx::sqlite::SqliteRow;
use serde::{Deserialize, Serialize};

use crate::rows::ColumnValue;

/// Declares a text-backed enumeration that is both a sea-orm active enum
/// (stored as its SCREAMING_SNAKE_CASE name) and, with the `graphql` feature,
/// a GraphQL enum. Doc comments on the enum and on each variant become the
/// GraphQL descriptions.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[sea_orm(string_value = $value)]
                #[serde(rename = $value)]
                $variant,
            )+
        }

        impl $name {
            /// The stored and serialised name of this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ColumnValue for $name {
            fn fits_postgres(column: &PgTypeInfo) -> bool {
                String::fits_postgres(column)
            }
            fn from_postgres(row: &PgRow, index: usize) -> Result<Option<Self>, DbErr> {
                String::from_postgres(row, index)?.map(|value| Self::try_from_value(&value)).transpose()
            }
            fn from_sqlite(row: &SqliteRow, index: usize) -> Result<Option<Self>, DbErr> {
                String::from_sqlite(row, index)?.map(|value| Self::try_from_value(&value)).transpose()
            }
        }
    };
}

text_enum! {
    /// Who may read a record.
    pub enum Visibility {
        /// Anyone, including anonymous readers.
        Public = "PUBLIC",
        /// Any authenticated partner organisation.
        Partners = "PARTNERS",
        /// The contributing organisation and the organisations it shared the record with.
        Private = "PRIVATE",
    }
}

text_enum! {
    /// What an API key may do on behalf of its organisation.
    pub enum Role {
        /// Read what the organisation may see.
        Reader = "READER",
        /// Read, and create and change records.
        Editor = "EDITOR",
        /// Everything an editor may, and manage the organisation's keys and shares.
        Admin = "ADMIN",
    }
}

text_enum! {
    /// What an organisation a record is shared with may do with it.
    pub enum ShareAccess {
        /// Read it.
        Read = "READ",
        /// Read and change it.
        Edit = "EDIT",
    }
}

text_enum! {
    /// Whether a defender agreed to their record being published.
    pub enum Consent {
        /// Agreed to publication.
        Given = "GIVEN",
        /// Agreed to limited use, not to publication.
        Limited = "LIMITED",
        /// Did not agree.
        NotGiven = "NOT_GIVEN",
        /// Not known.
        Unknown = "UNKNOWN",
        /// Agreed once, then withdrew.
        Withdrawn = "WITHDRAWN",
    }
}

text_enum! {
    /// What a change did to a record.
    pub enum AuditAction {
        /// Created it.
        Create = "CREATE",
        /// Changed fields of it.
        Update = "UPDATE",
        /// Archived it: hidden from reads, kept for restoring.
        Archive = "ARCHIVE",
        /// Restored it from the archive.
        Restore = "RESTORE",
        /// Shared it with an organisation.
        Share = "SHARE",
        /// Withdrew a share.
        Unshare = "UNSHARE",
        /// Merged another record into it, or was merged into another.
        Merge = "MERGE",
        /// Undid a merge.
        Unmerge = "UNMERGE",
        /// Added an organisation's statement of a value without changing the
        /// record's current value: another organisation's account, or a
        /// value in another language.
        Assert = "ASSERT",
        /// Proposed a value, for the contributor to accept or reject.
        Propose = "PROPOSE",
        /// Accepted a proposed value.
        Accept = "ACCEPT",
        /// Rejected a proposed value.
        Reject = "REJECT",
    }
}

text_enum! {
    /// Where a statement stands.
    pub enum StatementStatus {
        /// Asserted by its organisation.
        Asserted = "ASSERTED",
        /// Proposed by an organisation that may read the record but not
        /// change it, waiting for the contributor to accept or reject it.
        Proposed = "PROPOSED",
        /// A proposal the contributor rejected.
        Rejected = "REJECTED",
    }
}

text_enum! {
    /// A judgement on whether two records describe the same person or organisation.
    pub enum Verdict {
        /// They describe the same one: a merge can follow.
        Same = "SAME",
        /// They describe different ones: the pair is not proposed again.
        Different = "DIFFERENT",
        /// Not known yet: the pair stays proposed, with this judgement shown.
        Unsure = "UNSURE",
    }
}

text_enum! {
    /// The kind of an organisation.
    pub enum OrganisationKind {
        /// A non-governmental organisation.
        Ngo = "NGO",
        /// A community group or movement, such as a tribe or a residents' association.
        Community = "COMMUNITY",
        /// A government body, ministry, police force or other state agency.
        StateAgency = "STATE_AGENCY",
        /// A legislature or one of its chambers.
        Legislature = "LEGISLATURE",
        /// A company or other business.
        Company = "COMPANY",
        /// An intergovernmental organisation, such as a UN body.
        Intergovernmental = "INTERGOVERNMENTAL",
        /// A university or research institution.
        Academic = "ACADEMIC",
        /// A news organisation.
        Media = "MEDIA",
        /// Any other kind of organisation.
        Other = "OTHER",
    }
}

text_enum! {
    /// The situation of a human rights defender, as last reported.
    pub enum DefenderStatus {
        /// At risk of attack or prosecution.
        AtRisk = "AT_RISK",
        /// Has received threats.
        Threatened = "THREATENED",
        /// Held without, or before, a conviction.
        Detained = "DETAINED",
        /// Serving a prison sentence.
        Imprisoned = "IMPRISONED",
        /// Facing trial.
        OnTrial = "ON_TRIAL",
        /// Released from detention or prison.
        Released = "RELEASED",
        /// Forced to live outside their country.
        InExile = "IN_EXILE",
        /// Victim of an enforced disappearance; whereabouts unknown.
        Disappeared = "DISAPPEARED",
        /// Killed.
        Killed = "KILLED",
        /// Died while in custody.
        DiedInDetention = "DIED_IN_DETENTION",
        /// Active, with no current reprisal reported.
        Active = "ACTIVE",
        /// Not known.
        Unknown = "UNKNOWN",
    }
}

text_enum! {
    /// A field of human rights work.
    pub enum Sector {
        /// Land rights and land defence.
        Land = "LAND",
        /// Environmental protection.
        Environment = "ENVIRONMENT",
        /// Rights of Indigenous peoples.
        IndigenousPeoples = "INDIGENOUS_PEOPLES",
        /// Rights of ethnic, religious and other minorities.
        MinorityRights = "MINORITY_RIGHTS",
        /// Civil and political rights.
        CivilAndPoliticalRights = "CIVIL_AND_POLITICAL_RIGHTS",
        /// Women's rights.
        WomensRights = "WOMENS_RIGHTS",
        /// Rights of lesbian, gay, bisexual, transgender and intersex people.
        LgbtiRights = "LGBTI_RIGHTS",
        /// Labour rights and trade unions.
        LabourRights = "LABOUR_RIGHTS",
        /// Journalism and freedom of the press.
        Journalism = "JOURNALISM",
        /// Academic work and academic freedom.
        Academia = "ACADEMIA",
        /// Legal defence and access to justice.
        Legal = "LEGAL",
        /// Health and the right to health.
        Health = "HEALTH",
        /// Rights of migrants and refugees.
        MigrantsAndRefugees = "MIGRANTS_AND_REFUGEES",
        /// Any other field.
        Other = "OTHER",
    }
}

text_enum! {
    /// What happened in a defender's case.
    pub enum CaseEventKind {
        /// Arrested.
        Arrest = "ARREST",
        /// Held in detention.
        Detention = "DETENTION",
        /// Charged with an offence.
        Charge = "CHARGE",
        /// Charges dropped, withdrawn or dismissed.
        ChargesDropped = "CHARGES_DROPPED",
        /// Put on trial.
        Trial = "TRIAL",
        /// Sentenced.
        Sentence = "SENTENCE",
        /// An appeal was heard or decided.
        Appeal = "APPEAL",
        /// Released.
        Release = "RELEASE",
        /// Harassed or intimidated.
        Harassment = "HARASSMENT",
        /// Threatened.
        Threat = "THREAT",
        /// Placed under surveillance.
        Surveillance = "SURVEILLANCE",
        /// Banned from travelling.
        TravelBan = "TRAVEL_BAN",
        /// Physically attacked.
        PhysicalAttack = "PHYSICAL_ATTACK",
        /// Subjected to enforced disappearance.
        Disappearance = "DISAPPEARANCE",
        /// Killed.
        Killing = "KILLING",
        /// Died in custody.
        DeathInDetention = "DEATH_IN_DETENTION",
        /// Any other event.
        Other = "OTHER",
    }
}

text_enum! {
    /// Who was responsible for a case event.
    pub enum PerpetratorType {
        /// State authorities: police, courts, the army, officials.
        State = "STATE",
        /// Non-state actors such as armed groups or private individuals.
        NonState = "NON_STATE",
        /// A company or its contractors.
        Corporate = "CORPORATE",
        /// Not known.
        Unknown = "UNKNOWN",
    }
}

text_enum! {
    /// The kind of a restriction.
    pub enum RestrictionKind {
        /// A bill before a legislature.
        Bill = "BILL",
        /// A law in force or once in force.
        Law = "LAW",
        /// An executive order or decree.
        ExecutiveOrder = "EXECUTIVE_ORDER",
        /// A regulation or administrative rule.
        Regulation = "REGULATION",
        /// A court ruling.
        CourtRuling = "COURT_RULING",
        /// A practice of the authorities, with or without a legal basis.
        Practice = "PRACTICE",
    }
}

text_enum! {
    /// Where a restriction stands.
    pub enum RestrictionStatus {
        /// Introduced or proposed, not yet decided.
        Pending = "PENDING",
        /// Enacted or in force.
        Enacted = "ENACTED",
        /// Enacted after its worst provisions were removed.
        EnactedWithImprovements = "ENACTED_WITH_IMPROVEMENTS",
        /// Defeated or withdrawn.
        Defeated = "DEFEATED",
        /// Lapsed or expired.
        Expired = "EXPIRED",
        /// Vetoed.
        Vetoed = "VETOED",
        /// Blocked by a court.
        Enjoined = "ENJOINED",
        /// Repealed.
        Repealed = "REPEALED",
    }
}

text_enum! {
    /// How open a country's civic space is, on the five-step scale the
    /// CIVICUS Monitor uses, from most open to most closed.
    pub enum CivicSpaceRating {
        /// People can form associations, demonstrate and speak freely.
        Open = "OPEN",
        /// Those freedoms are generally respected, with some violations.
        Narrowed = "NARROWED",
        /// Those freedoms are heavily contested by those in power.
        Obstructed = "OBSTRUCTED",
        /// Those freedoms are significantly constrained; critics are harassed, jailed or killed.
        Repressed = "REPRESSED",
        /// Complete closure, in law and in practice, of civic space.
        Closed = "CLOSED",
    }
}

text_enum! {
    /// A right that a restriction curbs.
    pub enum Right {
        /// The right to peaceful assembly and protest.
        PeacefulAssembly = "PEACEFUL_ASSEMBLY",
        /// Freedom of expression.
        Expression = "EXPRESSION",
        /// Freedom of the press.
        PressFreedom = "PRESS_FREEDOM",
        /// Freedom of association.
        Association = "ASSOCIATION",
        /// Privacy.
        Privacy = "PRIVACY",
        /// Freedom of movement.
        Movement = "MOVEMENT",
        /// Liberty and security of person.
        Liberty = "LIBERTY",
        /// Fair trial.
        FairTrial = "FAIR_TRIAL",
        /// Any other right.
        Other = "OTHER",
    }
}

text_enum! {
    /// How a restriction concerns a defender.
    pub enum DefenderRestrictionRelation {
        /// The defender was charged under it.
        ChargedUnder = "CHARGED_UNDER",
        /// The defender was detained under it.
        DetainedUnder = "DETAINED_UNDER",
        /// The defender was sentenced under it.
        SentencedUnder = "SENTENCED_UNDER",
        /// It targets the defender or their work.
        TargetedBy = "TARGETED_BY",
        /// It affects the defender's work.
        AffectedBy = "AFFECTED_BY",
        /// The defender campaigns against it.
        Opposes = "OPPOSES",
    }
}

text_enum! {
    /// The kind of a campaign.
    pub enum CampaignKind {
        /// Advocacy for one person's case.
        IndividualCase = "INDIVIDUAL_CASE",
        /// An urgent action asking supporters to act now.
        UrgentAction = "URGENT_ACTION",
        /// Advocacy for or against legislation.
        LegislativeAdvocacy = "LEGISLATIVE_ADVOCACY",
        /// Observers monitoring events such as protests or trials.
        ObservationMission = "OBSERVATION_MISSION",
        /// A petition.
        Petition = "PETITION",
        /// A letter to decision makers.
        Letter = "LETTER",
        /// Research and publication.
        Research = "RESEARCH",
        /// Any other kind.
        Other = "OTHER",
    }
}

text_enum! {
    /// Where a campaign stands.
    pub enum CampaignStatus {
        /// Under way.
        Active = "ACTIVE",
        /// Suspended for now.
        Paused = "PAUSED",
        /// Reached its goal.
        Succeeded = "SUCCEEDED",
        /// Ended.
        Closed = "CLOSED",
    }
}

text_enum! {
    /// What a campaign achieved.
    pub enum CampaignOutcome {
        /// Its goal was reached.
        Achieved = "ACHIEVED",
        /// Part of its goal was reached.
        PartiallyAchieved = "PARTIALLY_ACHIEVED",
        /// Its goal was reached, then reversed.
        Reversed = "REVERSED",
        /// Its goal was not reached.
        NotAchieved = "NOT_ACHIEVED",
        /// No outcome yet, or not known.
        Pending = "PENDING",
    }
}

text_enum! {
    /// How precise a published figure is.
    pub enum IndicatorQualifier {
        /// The true value is at least this figure.
        AtLeast = "AT_LEAST",
        /// The true value is at most this figure.
        AtMost = "AT_MOST",
        /// The figure is exact.
        Exact = "EXACT",
        /// The figure is an estimate.
        Estimate = "ESTIMATE",
    }
}

text_enum! {
    /// Another name by which a defender is known.
    pub enum OtherNameKind {
        /// An alias or another spelling.
        Alias = "ALIAS",
        /// A transliteration from another script.
        Transliteration = "TRANSLITERATION",
        /// The name in the defender's own language or script.
        NativeName = "NATIVE_NAME",
        /// A nickname.
        Nickname = "NICKNAME",
        /// A former name.
        FormerName = "FORMER_NAME",
    }
}

/// The earliest year a partial date may name: old enough for the oldest laws
/// still in force (colonial sedition and assembly laws of the 18th century).
pub const MIN_YEAR: u32 = 1700;
/// The latest year a partial date may name: far enough ahead for a law's
/// announced sunset, near enough that a typo such as `9999` is refused rather
/// than stretching every time series across millennia.
pub const MAX_YEAR: u32 = 2100;

/// A date that may be known only to the year or month: `2015`, `2016-11` or
/// `2016-11-15`, with a year from [`MIN_YEAR`] to [`MAX_YEAR`]. Stored as
/// that text, so that text order is date order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, DeriveValueType, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate(String);

/// Why a text is not a partial date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialDateError(pub String);

impl fmt::Display for PartialDateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PartialDateError {}

impl PartialDate {
    /// The date as text: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The year.
    pub fn year(&self) -> i32 {
        // The constructor guarantees four leading digits.
        self.0[..4].parse().unwrap_or_default()
    }

    /// The month (1 to 12), where known.
    pub fn month(&self) -> Option<u32> {
        self.0.get(5..7).and_then(|m| m.parse().ok())
    }

    /// The day of the month, where known.
    pub fn day(&self) -> Option<u32> {
        self.0.get(8..10).and_then(|d| d.parse().ok())
    }
}

fn digits(s: &str, len: usize) -> Option<u32> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

impl FromStr for PartialDate {
    type Err = PartialDateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            PartialDateError(format!(
                "\"{text}\" is not a date: expected YYYY, YYYY-MM or YYYY-MM-DD, such as 2015, 2016-11 or 2016-11-15"
            ))
        };
        let mut parts = text.split('-');
        let year = parts.next().and_then(|y| digits(y, 4)).ok_or_else(invalid)?;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(PartialDateError(format!(
                "\"{text}\" is out of range: years run from {MIN_YEAR} to {MAX_YEAR}"
            )));
        }
        if let Some(month) = parts.next() {
            let month = digits(month, 2).ok_or_else(invalid)?;
            if !(1..=12).contains(&month) {
                return Err(PartialDateError(format!("\"{text}\" has no month {month:02}")));
            }
            if let Some(day) = parts.next() {
                let day = digits(day, 2).ok_or_else(invalid)?;
                if ChronoDate::from_ymd_opt(year as i32, month, day).is_none() {
                    return Err(PartialDateError(format!(
                        "\"{text}\" is not a real date: {year}-{month:02} has no day {day:02}"
                    )));
                }
            }
        }
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(PartialDate(text.to_owned()))
    }
}

/// Read as stored, as sea-orm reads it: the text was checked when written.
impl ColumnValue for PartialDate {
    fn fits_postgres(column: &PgTypeInfo) -> bool {
        String::fits_postgres(column)
    }
    fn from_postgres(row: &PgRow, index: usize) -> Result<Option<Self>, DbErr> {
        Ok(String::from_postgres(row, index)?.map(PartialDate))
    }
    fn from_sqlite(row: &SqliteRow, index: usize) -> Result<Option<Self>, DbErr> {
        Ok(String::from_sqlite(row, index)?.map(PartialDate))
    }
}

impl TryFrom<String> for PartialDate {
    type Error = PartialDateError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<PartialDate> for String {
    fn from(date: PartialDate) -> String {
        date.0
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "graphql")]
mod graphql_scalar {
    use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

    use super::PartialDate;

    /// A date known to the year, the month or the day: `"2015"`, `"2016-11"` or
    /// `"2016-11-15"`, with a year from 1700 to 2100. Such dates sort as text.
    #[Scalar(name = "PartialDate")]
    impl ScalarType for PartialDate {
        fn parse(value: Value) -> InputValueResult<Self> {
            match value {
                Value::String(text) => text.parse().map_err(InputValueError::custom),
                other => Err(InputValueError::expected_type(other)),
            }
        }

        fn to_value(&self) -> Value {
            Value::String(self.0.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PartialDate;

    #[test]
    fn partial_dates_accept_year_month_and_day() {
        for text in ["2015", "2016-11", "2016-11-15", "2024-02-29"] {
            let date: PartialDate = text.parse().expect(text);
            assert_eq!(date.as_str(), text);
        }
        let date: PartialDate = "2016-11-15".parse().unwrap();
        assert_eq!((date.year(), date.month(), date.day()), (2016, Some(11), Some(15)));
    }

    #[test]
    fn partial_dates_refuse_unreal_or_malformed_dates() {
        for text in [
            "",
            "15",
            "2015-1",
            "2015-13",
            "2015-00",
            "2023-02-29",
            "2015-04-31",
            "2015-11-15T00:00",
            "2015-11-15-01",
            "0000",
            "２０１５",
            "2015/11",
            "1699",
            "2101",
            "9999",
            "9999-12-31",
        ] {
            assert!(text.parse::<PartialDate>().is_err(), "{text} should be refused");
        }
        for text in ["1700", "2100-12-31"] {
            assert!(text.parse::<PartialDate>().is_ok(), "{text} is in range");
        }
        let error = "9999".parse::<PartialDate>().unwrap_err();
        assert!(error.0.contains("1700 to 2100"), "{}", error.0);
    }

    #[test]
    fn partial_dates_sort_as_dates() {
        let mut dates: Vec<PartialDate> =
            ["2016-11-15", "2015", "2016", "2016-02"].iter().map(|t| t.parse().unwrap()).collect();
        dates.sort();
        let texts: Vec<&str> = dates.iter().map(|d| d.as_str()).collect();
        assert_eq!(texts, ["2015", "2016", "2016-02", "2016-11-15"]);
    }
}
