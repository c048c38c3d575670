//! What a plan holds: its lists and their fields, with labels in French and English
//! (../shared/domain/reporting-model.md §3.2 for the communal plan; the roadmap of a
//! civil-society alliance for the other kind).

use super::{PlanKind, HEADER};

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
    /// One of these codes, with their French and English labels.
    Choice(&'static [(&'static str, &'static str, &'static str)]),
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
    /// French label.
    pub fr: &'static str,
    /// English label.
    pub en: &'static str,
    /// Entry and display.
    pub kind: FieldKind,
}

/// One list of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListSpec {
    /// Key in the document.
    pub name: &'static str,
    /// French title.
    pub fr: &'static str,
    /// English title.
    pub en: &'static str,
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

const fn f(name: &'static str, fr: &'static str, en: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec { name, fr, en, kind }
}

use FieldKind::{Choice, Date, LongText, Number, Record, Ref, Text};

/// Activity status codes.
pub const STATUS: &[(&str, &str, &str)] = &[
    ("planifiee", "Planifiée", "Planned"),
    ("en_cours", "En cours", "Under way"),
    ("realisee", "Réalisée", "Done"),
    ("reportee", "Reportée", "Postponed"),
    ("annulee", "Annulée", "Cancelled"),
];

const SWOT: &[(&str, &str, &str)] = &[
    ("force", "Force", "Strength"),
    ("faiblesse", "Faiblesse", "Weakness"),
    ("opportunite", "Opportunité", "Opportunity"),
    ("menace", "Menace", "Threat"),
];

const PRIORITY: &[(&str, &str, &str)] = &[
    ("haute", "Haute", "High"),
    ("moyenne", "Moyenne", "Medium"),
    ("basse", "Basse", "Low"),
];

const SEX: &[(&str, &str, &str)] = &[("f", "Femme", "Woman"), ("m", "Homme", "Man")];

const INTENSITY: &[(&str, &str, &str)] = &[
    ("latent", "Latent", "Latent"),
    ("ouvert", "Ouvert", "Open"),
    ("violent", "Violent", "Violent"),
];

const TREND: &[(&str, &str, &str)] = &[
    ("hausse", "En hausse", "Rising"),
    ("stable", "Stable", "Stable"),
    ("baisse", "En baisse", "Falling"),
];

/// Mediation steps, in the order a mediation usually goes.
pub const STEPS: &[(&str, &str, &str)] = &[
    ("contact", "Prise de contact", "First contact"),
    ("ecoute", "Écoute séparée", "Separate hearing"),
    ("dialogue", "Dialogue", "Dialogue"),
    ("accord", "Accord", "Agreement"),
    ("suivi", "Suivi", "Follow-up"),
];

const AGREEMENT: &[(&str, &str, &str)] = &[
    ("oui", "Oui", "Yes"),
    ("partiel", "Partiel", "Partial"),
    ("non", "Non", "No"),
];

const FUNDING: &[(&str, &str, &str)] = &[
    ("commune", "Commune", "Commune"),
    ("partenaire", "Partenaire", "Partner"),
    ("locale", "Contribution locale", "Local contribution"),
];

const HORIZON: &[(&str, &str, &str)] = &[
    ("court", "Court terme", "Short term"),
    ("moyen", "Moyen terme", "Medium term"),
    ("long", "Long terme", "Long term"),
];

const HEADER_FIELDS: &[FieldSpec] = &[
    f("name", "Nom du mécanisme", "Mechanism name", Text),
    f("commune_name", "Commune", "Commune", Text),
    f("decree", "Arrêté de création", "Creation order", Text),
    f("period_start", "Début du plan", "Plan start", Date),
    f("period_end", "Fin du plan", "Plan end", Date),
    f("validated_by", "Validé par", "Validated by", Text),
    f("validated_on", "Validé le", "Validated on", Date),
    f(
        "monitoring",
        "Suivi-évaluation : fréquence et responsable",
        "Monitoring: frequency and person",
        LongText,
    ),
    f("next_review", "Prochaine revue", "Next review", Date),
];

const MEMBERS: ListSpec = ListSpec {
    name: "members",
    fr: "Membres",
    en: "Members",
    title_field: "name",
    fields: &[
        f("name", "Nom", "Name", Text),
        f("role", "Rôle", "Role", Text),
        f("sex", "Sexe", "Sex", Choice(SEX)),
        f(
            "category",
            "Catégorie (chef de village, religieux, femmes, jeunes…)",
            "Category (village chief, religious, women, youth…)",
            Text,
        ),
    ],
};

const COMMUNAL: &[ListSpec] = &[
    ListSpec {
        name: HEADER.0,
        fr: "Le plan",
        en: "The plan",
        title_field: "name",
        fields: HEADER_FIELDS,
    },
    MEMBERS,
    ListSpec {
        name: "swot",
        fr: "Analyse FFOM (forces, faiblesses, opportunités, menaces)",
        en: "SWOT analysis (strengths, weaknesses, opportunities, threats)",
        title_field: "text",
        fields: &[
            f("quadrant", "Type", "Type", Choice(SWOT)),
            f("text", "Texte", "Text", LongText),
            f("priority", "Priorité", "Priority", Choice(PRIORITY)),
        ],
    },
    ListSpec {
        name: "conflicts",
        fr: "Conflits",
        en: "Conflicts",
        title_field: "title",
        fields: &[
            f("title", "Intitulé", "Title", Text),
            f(
                "type",
                "Type (foncier, agriculteurs-éleveurs, chefferie…)",
                "Type (land, farmer-herder, chieftaincy…)",
                Text,
            ),
            f("villages", "Villages concernés", "Villages", Text),
            f("started", "Début", "Started", Date),
            f(
                "parties",
                "Parties (acteurs, positions, intérêts)",
                "Parties (actors, positions, interests)",
                LongText,
            ),
            f(
                "causes",
                "Causes profondes et déclencheurs",
                "Root causes and triggers",
                LongText,
            ),
            f(
                "effects",
                "Conséquences (dont sur les femmes et les jeunes)",
                "Effects (incl. on women and youth)",
                LongText,
            ),
            f("intensity", "Intensité", "Intensity", Choice(INTENSITY)),
            f("trend", "Tendance", "Trend", Choice(TREND)),
            f(
                "connectors",
                "Connecteurs : ce qui rapproche les gens (capacités locales de paix)",
                "Connectors: what brings people together (local peace capacities)",
                LongText,
            ),
            f(
                "dividers",
                "Diviseurs : ce qui oppose les gens",
                "Dividers: what sets people apart",
                LongText,
            ),
            f(
                "previous",
                "Tentatives de règlement antérieures",
                "Previous attempts",
                LongText,
            ),
            f(
                "team",
                "Équipe de réconciliation",
                "Reconciliation team",
                LongText,
            ),
            f(
                "agreement",
                "Accord obtenu",
                "Agreement reached",
                Choice(AGREEMENT),
            ),
            f("commitments", "Engagements", "Commitments", LongText),
            f("follow_up", "Date de suivi", "Follow-up date", Date),
        ],
    },
    ListSpec {
        name: "mediation",
        fr: "Étapes de médiation",
        en: "Mediation steps",
        title_field: "step",
        fields: &[
            f("conflict", "Conflit", "Conflict", Ref("conflicts")),
            f("date", "Date", "Date", Date),
            f("step", "Étape", "Step", Choice(STEPS)),
            f("result", "Résultat", "Result", LongText),
        ],
    },
    ListSpec {
        name: "activities",
        fr: "Activités",
        en: "Activities",
        title_field: "title",
        fields: &[
            f("title", "Activité", "Activity", Text),
            f(
                "conflict",
                "Conflit visé",
                "Conflict addressed",
                Ref("conflicts"),
            ),
            f("objective", "Objectif", "Objective", LongText),
            f("expected", "Résultat attendu", "Expected result", LongText),
            f("responsible", "Responsable", "Responsible", Text),
            f("partners", "Partenaires", "Partners", Text),
            f("start", "Date de début", "Start date", Date),
            f("end", "Date de fin", "End date", Date),
            f("place", "Lieu", "Place", Text),
            f("target_f", "Cible : femmes", "Target: women", Number),
            f("target_m", "Cible : hommes", "Target: men", Number),
            f("target_youth", "Cible : jeunes", "Target: youth", Number),
            f(
                "budget",
                "Budget prévu (FCFA)",
                "Planned budget (FCFA)",
                Number,
            ),
            f("spent", "Dépensé (FCFA)", "Spent (FCFA)", Number),
            f(
                "funding",
                "Source de financement",
                "Funding source",
                Choice(FUNDING),
            ),
            f("indicator", "Indicateur", "Indicator", Text),
            f(
                "baseline",
                "Situation au départ (valeur de base)",
                "Starting point (baseline)",
                Text,
            ),
            f("target", "Cible", "Target", Text),
            f(
                "verification",
                "Comment le vérifier (moyen de vérification)",
                "How to check it (means of verification)",
                Text,
            ),
            f("status", "Statut", "Status", Choice(STATUS)),
            f("done_on", "Réalisée le", "Done on", Date),
            f(
                "execution",
                "Part déjà faite, en % (taux d'exécution)",
                "Share already done, in % (execution rate)",
                Number,
            ),
            f(
                "report",
                "Rapport d'activité envoyé",
                "Activity report sent",
                Record("activite"),
            ),
            f("notes", "Observations", "Observations", LongText),
        ],
    },
    ListSpec {
        name: "risks",
        fr: "Risques et atténuation",
        en: "Risks and mitigation",
        title_field: "risk",
        fields: &[
            f("risk", "Risque", "Risk", LongText),
            f("mitigation", "Mesure d'atténuation", "Mitigation", LongText),
        ],
    },
    ListSpec {
        name: "appraisals",
        fr: "Appréciations des autorités",
        en: "Appraisals by the authorities",
        title_field: "by",
        fields: &[
            f("date", "Date", "Date", Date),
            f("by", "Par (autorité)", "By (authority)", Text),
            f("text", "Appréciation", "Appraisal", LongText),
        ],
    },
];

const ROADMAP: &[ListSpec] = &[
    ListSpec {
        name: HEADER.0,
        fr: "La feuille de route",
        en: "The roadmap",
        title_field: "name",
        fields: HEADER_FIELDS,
    },
    ListSpec {
        name: "priorities",
        fr: "Priorités",
        en: "Priorities",
        title_field: "text",
        fields: &[f("text", "Priorité", "Priority", LongText)],
    },
    ListSpec {
        name: "activities",
        fr: "Actions",
        en: "Actions",
        title_field: "title",
        fields: &[
            f("title", "Action", "Action", Text),
            f("horizon", "Horizon", "Horizon", Choice(HORIZON)),
            f("responsible", "Responsable", "Responsible", Text),
            f("start", "Date de début", "Start date", Date),
            f("end", "Date de fin", "End date", Date),
            f("status", "Statut", "Status", Choice(STATUS)),
            f("done_on", "Réalisée le", "Done on", Date),
            f(
                "execution",
                "Part déjà faite, en % (taux d'exécution)",
                "Share already done, in % (execution rate)",
                Number,
            ),
            f("notes", "Observations", "Observations", LongText),
        ],
    },
    ListSpec {
        name: "members",
        fr: "Comité de pilotage",
        en: "Steering committee",
        title_field: "name",
        fields: MEMBERS.fields,
    },
    ListSpec {
        name: "meetings",
        fr: "Réunions du comité",
        en: "Committee meetings",
        title_field: "date",
        fields: &[
            f("date", "Date", "Date", Date),
            f("decisions", "Décisions", "Decisions", LongText),
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
