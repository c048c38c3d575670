//! The coordinator pages' texts (`vigie-server`), in the same catalogue as the app's and
//! published in the same translation file (its `coordination` section), but built only
//! with the `coordination` feature: the phone pays nothing for them.

use super::{installed_coordination_text, Lang};

catalogue! {
    /// A text of the coordinator pages.
    CoordMsg, installed_coordination_text;
    Title => ("Vigie — coordination", "Vigie — coordination"),
    SignIn => ("Connexion requise : mot de passe = jeton de coordination.", "Sign-in required: the password is a coordination token."),
    StorageError => ("Erreur de base de données.", "Database error."),
    /// The records list.
    Records => ("Rapports reçus", "Reports received"),
    All => ("Tous", "All"),
    Form => ("Formulaire", "Form"),
    Level => ("Niveau d'alerte", "Alert level"),
    Region => ("Région", "Region"),
    Cercle => ("Cercle", "Cercle"),
    Commune => ("Commune", "Commune"),
    From => ("Du", "From"),
    To => ("Au", "To"),
    Filter => ("Filtrer", "Filter"),
    Export => ("Exporter en CSV (Excel)", "Export as CSV (Excel)"),
    NoRecord => ("Aucun rapport ne correspond.", "No report matches."),
    /// After "{shown} / {total}".
    Shown => ("affichés (les plus récents d'abord, alertes rouges et orange en tête)", "shown (newest first, red and orange alerts on top)"),
    LevelRed => ("Rouge", "Red"),
    LevelOrange => ("Orange", "Orange"),
    LevelYellow => ("Jaune", "Yellow"),
    LevelGreen => ("Vert", "Green"),
    SmsWaiting => ("Alertes reçues par SMS, en attente du rapport complet", "Alerts received by SMS, waiting for the full report"),
    SmsUnreadable => ("SMS illisible : gardé tel quel", "Unreadable SMS: kept as received"),
    SmsContradicts => ("Ne correspond pas au rapport qu'il désigne : ", "Does not match the report it names: "),
    /// Before the sender's number.
    SmsFrom => ("De ", "From "),
    /// One record.
    Received => ("Reçu", "Received"),
    Created => ("Saisi", "Entered"),
    Author => ("Auteur", "Author"),
    Device => ("Appareil", "Device"),
    Token => ("Reçu par l'accès", "Received through"),
    BackToRecords => ("← Tous les rapports", "← All reports"),
    Content => ("Contenu", "Content"),
    RecordNotFound => ("Ce rapport n'existe pas.", "This report does not exist."),
    Reserved => ("Détails réservés", "Details reserved"),
    ReservedExplained => ("Rapport de violence basée sur le genre : les détails sont réservés aux accès habilités.", "Gender-based violence report: the details are reserved to cleared accesses."),
    CommandLineToken => ("accès donné au démarrage du serveur", "access given when the server was started"),
    PlaceRegion => ("Région", "Region"),
    PlaceCercle => ("Cercle", "Cercle"),
    PlaceCommune => ("Commune", "Commune"),
    PlaceCommuneOther => ("Commune (nommée)", "Commune (by name)"),
    PlaceVillage => ("Village / quartier", "Village / quarter"),
    PlaceGps => ("Point GPS", "GPS point"),
    /// Cases.
    Cases => ("Cas ouverts", "Open cases"),
    NoCase => ("Aucun cas ouvert.", "No open case."),
    CaseNew => ("Nouveau", "New"),
    CaseTaken => ("Pris en charge", "Taken in charge"),
    CaseResponding => ("Réponse en cours", "Response under way"),
    CaseClosed => ("Clos", "Closed"),
    /// "{n} rapports".
    CaseReports => ("{n} rapport(s)", "{n} report(s)"),
    CaseOpened => ("Ouvert le", "Opened"),
    CaseStatus => ("Statut", "Status"),
    CaseCategory => ("Catégorie", "Category"),
    CasePlace => ("Lieu", "Place"),
    /// Action plans.
    Plans => ("Plans d'action", "Action plans"),
    BackToRecordsShort => ("← Rapports reçus", "← Reports received"),
    NoPlan => ("Aucun plan reçu.", "No plan received."),
    PlanColumn => ("Plan", "Plan"),
    ActivitiesDone => ("Activités réalisées", "Activities done"),
    Overdue => ("En retard", "Overdue"),
    ToReview => ("À revoir", "To review"),
    Revision => ("Révision", "Revision"),
    /// Before a revision number.
    RevisionLower => ("révision", "revision"),
    CommunalPlan => ("Plan d'action communal", "Communal action plan"),
    Roadmap => ("Feuille de route", "Roadmap"),
    WholeCountry => ("Tout le pays", "Whole country"),
    NoFundingSource => ("source non précisée", "source not given"),
    PlanNotFound => ("Ce plan n'existe pas.", "This plan does not exist."),
    BackToPlans => ("← Tous les plans", "← All plans"),
    ExecutionRate => ("Taux d'exécution", "Execution rate"),
    ConflictsToReview => ("Conflits à revoir", "Conflicts to review"),
    NextReview => ("Prochaine revue", "Next review"),
    Budget => ("Budget", "Budget"),
    /// "{spent} dépensés sur {planned} FCFA".
    SpentOf => ("{spent} dépensés sur {planned} FCFA", "{spent} spent of {planned} FCFA"),
    History => ("Historique des révisions", "Revision history"),
    ReceivedUtc => ("Reçue (UTC)", "Received (UTC)"),
    By => ("Par", "By"),
}
