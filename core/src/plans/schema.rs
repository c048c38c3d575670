//! What a plan holds: its lists and their fields, labelled from the text catalogue
//! (../shared/domain/reporting-model.md §3.2 for the communal plan; the roadmap of a
//! civil-society alliance for the other kind).

use super::{PlanKind, HEADER};
use crate::i18n::Msg;

/// How a field is entered and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines.
    LongText,
    /// `YYYY-MM-DD`.
    Date,
    /// A whole number (stored as a number).
    Number,
    /// One of these codes, with their labels.
    Choice(&'static [(&'static str, Msg)]),
    /// The id of an item of another list (a mediation step's conflict).
    Ref(&'static str),
    /// The id of a record sent with this form (an activity's prevention-activity report).
    Record(&'static str),
}

/// One field of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// Key in the document.
    pub name: &'static str,
    /// Its label, from the catalogue.
    pub label: Msg,
    /// Entry and display.
    pub kind: FieldKind,
}

/// One list of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListSpec {
    /// Key in the document.
    pub name: &'static str,
    /// Its title, from the catalogue.
    pub title: Msg,
    /// The field that names an item in a list (its first line).
    pub title_field: &'static str,
    /// Fields, in the order of the editor.
    pub fields: &'static [FieldSpec],
}

impl ListSpec {
    /// A field by name.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const fn f(name: &'static str, label: Msg, kind: FieldKind) -> FieldSpec {
    FieldSpec { name, label, kind }
}

use FieldKind::{Choice, Date, LongText, Number, Record, Ref, Text};

/// Activity status codes.
pub const STATUS: &[(&str, Msg)] = &[
    ("planifiee", Msg::PlanStatusPlanifiee),
    ("en_cours", Msg::PlanStatusEnCours),
    ("realisee", Msg::PlanStatusRealisee),
    ("reportee", Msg::PlanStatusReportee),
    ("annulee", Msg::PlanStatusAnnulee),
];

const SWOT: &[(&str, Msg)] = &[
    ("force", Msg::PlanSwotForce),
    ("faiblesse", Msg::PlanSwotFaiblesse),
    ("opportunite", Msg::PlanSwotOpportunite),
    ("menace", Msg::PlanSwotMenace),
];

const PRIORITY: &[(&str, Msg)] = &[
    ("haute", Msg::PlanPriorityHaute),
    ("moyenne", Msg::PlanPriorityMoyenne),
    ("basse", Msg::PlanPriorityBasse),
];

const SEX: &[(&str, Msg)] = &[("f", Msg::PlanSexF), ("m", Msg::PlanSexM)];

const INTENSITY: &[(&str, Msg)] = &[
    ("latent", Msg::PlanIntensityLatent),
    ("ouvert", Msg::PlanIntensityOuvert),
    ("violent", Msg::PlanIntensityViolent),
];

const TREND: &[(&str, Msg)] = &[
    ("hausse", Msg::PlanTrendHausse),
    ("stable", Msg::PlanTrendStable),
    ("baisse", Msg::PlanTrendBaisse),
];

/// Mediation steps, in the order a mediation usually goes.
pub const STEPS: &[(&str, Msg)] = &[
    ("contact", Msg::PlanStepsContact),
    ("ecoute", Msg::PlanStepsEcoute),
    ("dialogue", Msg::PlanStepsDialogue),
    ("accord", Msg::PlanStepsAccord),
    ("suivi", Msg::PlanStepsSuivi),
];

const AGREEMENT: &[(&str, Msg)] = &[
    ("oui", Msg::PlanAgreementOui),
    ("partiel", Msg::PlanAgreementPartiel),
    ("non", Msg::PlanAgreementNon),
];

const FUNDING: &[(&str, Msg)] = &[
    ("commune", Msg::PlanFundingCommune),
    ("partenaire", Msg::PlanFundingPartenaire),
    ("locale", Msg::PlanFundingLocale),
];

const HORIZON: &[(&str, Msg)] = &[
    ("court", Msg::PlanHorizonCourt),
    ("moyen", Msg::PlanHorizonMoyen),
    ("long", Msg::PlanHorizonLong),
];

const HEADER_FIELDS: &[FieldSpec] = &[
    f("name", Msg::PlanPlanName, Text),
    f("commune_name", Msg::PlanPlanCommuneName, Text),
    f("decree", Msg::PlanPlanDecree, Text),
    f("period_start", Msg::PlanPlanPeriodStart, Date),
    f("period_end", Msg::PlanPlanPeriodEnd, Date),
    f("validated_by", Msg::PlanPlanValidatedBy, Text),
    f("validated_on", Msg::PlanPlanValidatedOn, Date),
    f("monitoring", Msg::PlanPlanMonitoring, LongText),
    f("next_review", Msg::PlanPlanNextReview, Date),
];

const MEMBERS: ListSpec = ListSpec {
    name: "members",
    title: Msg::PlanListMembers,
    title_field: "name",
    fields: &[
        f("name", Msg::PlanMembersName, Text),
        f("role", Msg::PlanMembersRole, Text),
        f("sex", Msg::PlanMembersSex, Choice(SEX)),
        f("category", Msg::PlanMembersCategory, Text),
    ],
};

const COMMUNAL: &[ListSpec] = &[
    ListSpec {
        name: HEADER.0,
        title: Msg::PlanListPlan,
        title_field: "name",
        fields: HEADER_FIELDS,
    },
    MEMBERS,
    ListSpec {
        name: "swot",
        title: Msg::PlanListSwot,
        title_field: "text",
        fields: &[
            f("quadrant", Msg::PlanSwotQuadrant, Choice(SWOT)),
            f("text", Msg::PlanSwotText, LongText),
            f("priority", Msg::PlanSwotPriority, Choice(PRIORITY)),
        ],
    },
    ListSpec {
        name: "conflicts",
        title: Msg::PlanListConflicts,
        title_field: "title",
        fields: &[
            f("title", Msg::PlanConflictsTitle, Text),
            f("type", Msg::PlanConflictsType, Text),
            f("villages", Msg::PlanConflictsVillages, Text),
            f("started", Msg::PlanConflictsStarted, Date),
            f("parties", Msg::PlanConflictsParties, LongText),
            f("causes", Msg::PlanConflictsCauses, LongText),
            f("effects", Msg::PlanConflictsEffects, LongText),
            f("intensity", Msg::PlanConflictsIntensity, Choice(INTENSITY)),
            f("trend", Msg::PlanConflictsTrend, Choice(TREND)),
            f("connectors", Msg::PlanConflictsConnectors, LongText),
            f("dividers", Msg::PlanConflictsDividers, LongText),
            f("previous", Msg::PlanConflictsPrevious, LongText),
            f("team", Msg::PlanConflictsTeam, LongText),
            f("agreement", Msg::PlanConflictsAgreement, Choice(AGREEMENT)),
            f("commitments", Msg::PlanConflictsCommitments, LongText),
            f("follow_up", Msg::PlanConflictsFollowUp, Date),
        ],
    },
    ListSpec {
        name: "mediation",
        title: Msg::PlanListMediation,
        title_field: "step",
        fields: &[
            f("conflict", Msg::PlanMediationConflict, Ref("conflicts")),
            f("date", Msg::PlanMediationDate, Date),
            f("step", Msg::PlanMediationStep, Choice(STEPS)),
            f("result", Msg::PlanMediationResult, LongText),
        ],
    },
    ListSpec {
        name: "activities",
        title: Msg::PlanListActivities,
        title_field: "title",
        fields: &[
            f("title", Msg::PlanActivitiesTitle, Text),
            f("conflict", Msg::PlanActivitiesConflict, Ref("conflicts")),
            f("objective", Msg::PlanActivitiesObjective, LongText),
            f("expected", Msg::PlanActivitiesExpected, LongText),
            f("responsible", Msg::PlanActivitiesResponsible, Text),
            f("partners", Msg::PlanActivitiesPartners, Text),
            f("start", Msg::PlanActivitiesStart, Date),
            f("end", Msg::PlanActivitiesEnd, Date),
            f("place", Msg::PlanActivitiesPlace, Text),
            f("target_f", Msg::PlanActivitiesTargetF, Number),
            f("target_m", Msg::PlanActivitiesTargetM, Number),
            f("target_youth", Msg::PlanActivitiesTargetYouth, Number),
            f("budget", Msg::PlanActivitiesBudget, Number),
            f("spent", Msg::PlanActivitiesSpent, Number),
            f("funding", Msg::PlanActivitiesFunding, Choice(FUNDING)),
            f("indicator", Msg::PlanActivitiesIndicator, Text),
            f("baseline", Msg::PlanActivitiesBaseline, Text),
            f("target", Msg::PlanActivitiesTarget, Text),
            f("verification", Msg::PlanActivitiesVerification, Text),
            f("status", Msg::PlanActivitiesStatus, Choice(STATUS)),
            f("done_on", Msg::PlanActivitiesDoneOn, Date),
            f("execution", Msg::PlanActivitiesExecution, Number),
            f("report", Msg::PlanActivitiesReport, Record("activite")),
            f("notes", Msg::PlanActivitiesNotes, LongText),
        ],
    },
    ListSpec {
        name: "risks",
        title: Msg::PlanListRisks,
        title_field: "risk",
        fields: &[
            f("risk", Msg::PlanRisksRisk, LongText),
            f("mitigation", Msg::PlanRisksMitigation, LongText),
        ],
    },
    ListSpec {
        name: "appraisals",
        title: Msg::PlanListAppraisals,
        title_field: "by",
        fields: &[
            f("date", Msg::PlanAppraisalsDate, Date),
            f("by", Msg::PlanAppraisalsBy, Text),
            f("text", Msg::PlanAppraisalsText, LongText),
        ],
    },
];

const ROADMAP: &[ListSpec] = &[
    ListSpec {
        name: HEADER.0,
        title: Msg::PlanRoadmapListPlan,
        title_field: "name",
        fields: HEADER_FIELDS,
    },
    ListSpec {
        name: "priorities",
        title: Msg::PlanRoadmapListPriorities,
        title_field: "text",
        fields: &[f("text", Msg::PlanPrioritiesText, LongText)],
    },
    ListSpec {
        name: "activities",
        title: Msg::PlanRoadmapListActivities,
        title_field: "title",
        fields: &[
            f("title", Msg::PlanActivitiesTitle2, Text),
            f("horizon", Msg::PlanActivitiesHorizon, Choice(HORIZON)),
            f("responsible", Msg::PlanActivitiesResponsible, Text),
            f("start", Msg::PlanActivitiesStart, Date),
            f("end", Msg::PlanActivitiesEnd, Date),
            f("status", Msg::PlanActivitiesStatus, Choice(STATUS)),
            f("done_on", Msg::PlanActivitiesDoneOn, Date),
            f("execution", Msg::PlanActivitiesExecution, Number),
            f("notes", Msg::PlanActivitiesNotes, LongText),
        ],
    },
    ListSpec {
        name: "members",
        title: Msg::PlanRoadmapListMembers,
        title_field: "name",
        fields: MEMBERS.fields,
    },
    ListSpec {
        name: "meetings",
        title: Msg::PlanRoadmapListMeetings,
        title_field: "date",
        fields: &[
            f("date", Msg::PlanMeetingsDate, Date),
            f("decisions", Msg::PlanMeetingsDecisions, LongText),
        ],
    },
];

/// The lists of a kind of plan, in screen order.
pub fn lists(kind: PlanKind) -> &'static [ListSpec] {
    match kind {
        PlanKind::PlanCommunal => COMMUNAL,
        PlanKind::FeuilleDeRoute => ROADMAP,
    }
}

/// One list of a kind of plan.
pub fn list(kind: PlanKind, name: &str) -> Option<&'static ListSpec> {
    lists(kind).iter().find(|l| l.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_references_point_at_lists() {
        for kind in [PlanKind::PlanCommunal, PlanKind::FeuilleDeRoute] {
            let all = lists(kind);
            for (i, l) in all.iter().enumerate() {
                assert!(all[..i].iter().all(|o| o.name != l.name), "{}", l.name);
                assert!(l.field(l.title_field).is_some(), "{} title", l.name);
                for (j, fld) in l.fields.iter().enumerate() {
                    assert!(l.fields[..j].iter().all(|o| o.name != fld.name));
                    assert!(!fld.name.starts_with('_'), "reserved: {}", fld.name);
                    if let FieldKind::Ref(target) = fld.kind {
                        assert!(list(kind, target).is_some(), "{} → {target}", fld.name);
                    }
                }
            }
        }
    }
}
