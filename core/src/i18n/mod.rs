//! The one text catalogue: every user-facing string, French first, English second.
//!
//! Views never hold literals; they ask for a [`Msg`] in the current [`Lang`].

use std::collections::BTreeMap;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

/// A language the interface can be shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// French, the working language and the default.
    #[default]
    #[serde(rename = "fr")]
    Fr,
    /// English.
    #[serde(rename = "en")]
    En,
    /// The language a deployment published (see [`crate::translation`]); French wherever
    /// none is installed.
    #[serde(rename = "local")]
    Local,
}

impl Lang {
    /// The built-in languages, in the order the switcher shows them.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The languages the switcher offers now: the built-in ones, then a published one.
    pub fn available() -> Vec<Lang> {
        let mut all = Lang::ALL.to_vec();
        if installed().is_some() {
            all.push(Lang::Local);
        }
        all
    }

    /// The BCP 47 tag, for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
            Lang::Local => installed().map_or("fr", |t| t.code.as_str()),
        }
    }

    /// Parses a tag such as `fr`, `en-GB`; anything unknown is `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            p if installed().is_some_and(|t| t.code == p) => Some(Lang::Local),
            _ => None,
        }
    }

    /// The language's own name, shown in the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Fr => "Français",
            Lang::En => "English",
            Lang::Local => installed().map_or("Français", |t| t.name.as_str()),
        }
    }
}

// ---- The published language (validated and fetched by `crate::translation`) ----

/// A validated translation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    /// BCP 47 primary tag (`bm`).
    pub code: String,
    /// The language's own name (`Bamanankan`).
    pub name: String,
    /// Text by message key.
    pub messages: BTreeMap<String, String>,
    /// The coordinator pages' texts by key (`CoordMsg`), when the translation gives them.
    pub coordination: BTreeMap<String, String>,
}

static INSTALLED: RwLock<Option<&'static Translation>> = RwLock::new(None);

/// Makes `t` the published language. Each installed translation stays in memory for the
/// life of the page (texts are handed out as `&'static str`): install once per start and
/// per update received, not in a loop.
pub fn install(t: Translation) {
    let leaked: &'static Translation = Box::leak(Box::new(t));
    if let Ok(mut slot) = INSTALLED.write() {
        *slot = Some(leaked);
    }
}

/// The published language, if one is installed.
pub fn installed() -> Option<&'static Translation> {
    INSTALLED.read().ok().and_then(|s| *s)
}

/// The installed text of message `key`.
fn installed_text(key: &str) -> Option<&'static str> {
    installed()
        .and_then(|t| t.messages.get(key))
        .map(String::as_str)
}

/// The installed text of coordinator message `key`.
#[cfg(feature = "coordination")]
fn installed_coordination_text(key: &str) -> Option<&'static str> {
    installed()
        .and_then(|t| t.coordination.get(key))
        .map(String::as_str)
}

impl Translation {
    /// This translation's text of app message `m` (French when it lacks it).
    pub fn msg(&self, m: Msg) -> &str {
        self.messages
            .get(m.key())
            .map_or(m.text(Lang::Fr), String::as_str)
    }
}

/// Defines a catalogue: an enum `$name` of messages with their French and English texts,
/// looked up in a published language through `$local` (the installed text of a key).
macro_rules! catalogue {
    ($(#[$meta:meta])* $name:ident, $local:path; $($(#[$doc:meta])* $key:ident => ($fr:expr, $en:expr),)*) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$doc])* $key,)* }

        impl $name {
            /// Every message, so tests can check the catalogue is complete.
            pub const ALL: &'static [$name] = &[$($name::$key,)*];

            /// The message in `lang` (a published language falls back to French for a
            /// message it does not have).
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    (m, Lang::Local) => $local(m.key()).unwrap_or(m.text(Lang::Fr)),
                    $(($name::$key, Lang::Fr) => $fr, ($name::$key, Lang::En) => $en,)*
                }
            }

            /// The message's name, the key a published translation uses.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$key => stringify!($key),)*
                }
            }
        }
    };
}

// The coordinator pages' texts: the receiver's only (the phone's build leaves them out).
#[cfg(feature = "coordination")]
mod coordination;
#[cfg(feature = "coordination")]
pub use coordination::CoordMsg;

catalogue! {
    /// A user-facing message of the app (and of plans, on both sides).
    Msg, installed_text;

    AppName => ("Vigie", "Vigie"),
    Tagline => ("Signaler, prévenir, agir — même sans réseau", "Report, prevent, act — even with no network"),
    Online => ("En ligne", "Online"),
    Offline => ("Hors ligne", "Offline"),
    /// Header badge; `{n}` is replaced by the count.
    PendingOne => ("1 en attente", "1 waiting"),
    PendingMany => ("{n} en attente", "{n} waiting"),
    PendingNone => ("Tout est envoyé", "All sent"),
    RefusedOne => ("1 refusé", "1 refused"),
    RefusedMany => ("{n} refusés", "{n} refused"),
    PlanUnsentOne => ("1 plan à envoyer", "1 plan to send"),
    PlanUnsentMany => ("{n} plans à envoyer", "{n} plans to send"),
    /// Header badge when the outbox could not be read.
    OutboxUnreadableShort => ("Boîte d'envoi illisible", "Outbox unreadable"),
    OutboxUnreadable => (
        "La boîte d'envoi ne peut pas être lue : la mémoire du téléphone est peut-être pleine. Vos rapports ne sont pas effacés. Libérez de la place (photos, vidéos, applications inutiles), puis relancez Vigie.",
        "The outbox cannot be read: the phone's memory may be full. Your reports are not deleted. Free some space (photos, videos, unused apps), then restart Vigie."
    ),
    ReportIncident => ("Signaler un incident", "Report an incident"),
    LogActivity => ("Noter une activité", "Log an activity"),
    ActionPlans => ("Plans d'action", "Action plans"),
    Outbox => ("Boîte d'envoi", "Outbox"),
    Settings => ("Paramètres", "Settings"),
    Home => ("Accueil", "Home"),
    Back => ("Retour à l'accueil", "Back to home"),
    NotFoundTitle => ("Page introuvable", "Page not found"),
    NotFoundBody => ("Cette adresse n'existe pas dans Vigie.", "This address does not exist in Vigie."),
    Language => ("Langue", "Language"),
    LanguageHint => (
        "Le choix est gardé sur ce téléphone.",
        "The choice is kept on this phone."
    ),
    UpdateAvailable => ("Nouvelle version disponible", "New version available"),
    UpdateNow => ("Mettre à jour", "Update"),
    StorageUnavailable => (
        "Le téléphone ne peut rien enregistrer : sa mémoire est peut-être pleine, ou le navigateur est en navigation privée. Libérez de la place (photos, vidéos, applications inutiles) ou quittez la navigation privée, puis réessayez.",
        "The phone cannot save anything: its memory may be full, or the browser is in private mode. Free some space (photos, videos, unused apps) or leave private browsing, then try again."
    ),
    StorageFull => (
        "La mémoire du téléphone est pleine : rien n'a été enregistré. Libérez de la place (photos, vidéos, applications inutiles), puis réessayez. Votre saisie reste à l'écran.",
        "The phone's memory is full: nothing was saved. Free some space (photos, videos, unused apps), then try again. Your entry stays on screen."
    ),
    StorageWriteFailed => (
        "L'enregistrement a échoué. Votre saisie reste à l'écran ; réessayez.",
        "Saving failed. Your entry stays on screen; try again."
    ),
    StorageCorrupt => (
        "Une donnée enregistrée est illisible ; elle est gardée à part.",
        "A stored item is unreadable; it is kept aside."
    ),
    // Outbox
    UnsentBannerOne => (
        "Ne désinstallez pas l'application et n'effacez pas ses données : 1 rapport n'est pas encore parti.",
        "Do not uninstall the app or erase its data: 1 report has not left yet."
    ),
    UnsentBanner => (
        "Ne désinstallez pas l'application et n'effacez pas ses données : {n} rapports ne sont pas encore partis.",
        "Do not uninstall the app or erase its data: {n} reports have not left yet."
    ),
    SendNowOffline => (
        "Pas de réseau : rien ne peut partir maintenant. Les rapports partiront tout seuls dès que le téléphone sera connecté.",
        "No network: nothing can leave now. The reports will leave by themselves as soon as the phone is connected."
    ),
    PlansUnsentBanner => (
        "Ne désinstallez pas l'application et n'effacez pas ses données : plans modifiés pas encore envoyés : {n}.",
        "Do not uninstall the app or erase its data: changed plans not sent yet: {n}."
    ),
    SendNow => ("Envoyer maintenant", "Send now"),
    Sending => ("{done} sur {total} envoyés", "{done} of {total} sent"),
    CountWaiting => ("En attente", "Waiting"),
    CountDelivered => ("Envoyés", "Sent"),
    CountRejected => ("Refusés", "Refused"),
    CountNeedsAuth => ("Code d'accès à vérifier", "Access code to check"),
    StateQueued => ("En attente d'envoi", "Waiting to be sent"),
    StateSending => ("Envoi en cours", "Sending"),
    StateRetry => ("Nouvel essai prévu", "Retry scheduled"),
    StateNeedsAuth => ("Refusé : identifiants à vérifier dans Paramètres", "Refused: check credentials in Settings"),
    StateDelivered => ("Reçu par le serveur", "Received by the server"),
    StateRejected => ("Refusé par le serveur", "Refused by the server"),
    StateUnreadable => ("Abîmé : gardé à part", "Damaged: kept aside"),
    DamagedRecordHelp => (
        "Ce rapport est abîmé sur le téléphone et ne peut pas être envoyé. Il est gardé tel quel : exportez-le pour la coordination avant de le supprimer.",
        "This report is damaged on the phone and cannot be sent. It is kept as it is: export it for the coordination before deleting it."
    ),
    Resend => ("Renvoyer", "Send again"),
    Loading => ("Chargement…", "Loading…"),
    DamagedDraft => (
        "Un brouillon est abîmé sur le téléphone : il est gardé à part. Exportez-le pour la coordination.",
        "A draft is damaged on the phone: it is kept aside. Export it for the coordination."
    ),
    ErrNetwork => ("pas de connexion", "no connection"),
    ErrTimeout => ("le serveur n'a pas répondu à temps", "the server did not answer in time"),
    ErrServer => ("le serveur a un problème", "the server has a problem"),
    ErrNotReceipt => ("réponse inattendue (réseau Wi-Fi à connexion ?)", "unexpected answer (Wi-Fi login page?)"),
    NoBackend => (
        "Aucun serveur n'est configuré : les rapports restent sur le téléphone. Voir Paramètres.",
        "No server is configured: reports stay on the phone. See Settings."
    ),
    OutboxEmpty => ("Aucun rapport dans la boîte d'envoi.", "No report in the outbox."),
    Export => ("Exporter (fichier)", "Export (file)"),
    View => ("Voir", "View"),
    Delete => ("Supprimer", "Delete"),
    ConfirmDelete => ("Confirmer : supprimer définitivement", "Confirm: delete for good"),
    Cancel => ("Annuler", "Cancel"),
    // Quick note
    QuickNote => ("Note libre", "Free note"),
    NoteLabel => ("Ce que vous voulez signaler", "What you want to report"),
    NoteHint => ("Lieu, date, ce qui s'est passé. Pas de nom de victime.", "Place, date, what happened. No victim names."),
    Save => ("Enregistrer", "Save"),
    Saved => ("Enregistré sur le téléphone. Il partira dès que possible.", "Saved on the phone. It will be sent as soon as possible."),
    NoteEmpty => ("Écrivez quelque chose avant d'enregistrer.", "Write something before saving."),
    // Connection settings
    Connection => ("Serveur de réception", "Receiving server"),
    ModeNone => ("Aucun (garder sur le téléphone)", "None (keep on the phone)"),
    ModeGeneric => ("Serveur Vigie de la coordination", "The coordination's Vigie server"),
    ModeCouch => ("Base CouchDB (si la coordination vous l'a indiqué)", "CouchDB database (if the coordination told you so)"),
    ServerUrl => ("Adresse du serveur", "Server address"),
    Token => ("Code d'accès (donné par la coordination)", "Access code (given by the coordination)"),
    Database => ("Base de données", "Database"),
    User => ("Utilisateur", "User"),
    Password => ("Mot de passe", "Password"),
    AuthorName => ("Votre nom ou pseudonyme", "Your name or pseudonym"),
    AuthorRole => ("Votre rôle", "Your role"),
    TestConnection => ("Tester la connexion", "Test the connection"),
    Testing => ("Test en cours…", "Testing…"),
    ProbeOk => ("Connexion réussie : le serveur répond et accepte vos identifiants.", "Connection works: the server answers and accepts your credentials."),
    ProbeUnreachable => (
        "Serveur injoignable : pas de réseau, adresse fausse, ou le serveur refuse cette application (CORS).",
        "Server unreachable: no network, wrong address, or the server refuses this app (CORS)."
    ),
    ProbeWrongUrl => ("Le serveur répond, mais cette adresse n'est pas un serveur Vigie (404). Vérifiez l'adresse.", "The server answers, but this address is not a Vigie receiver (404). Check the address."),
    ProbeBadCredentials => ("Code d'accès ou mot de passe refusé : vérifiez-le auprès de la coordination.", "Access code or password refused: check it with the coordination."),
    ProbeServerError => ("Le serveur a un problème ; réessayez plus tard.", "The server has a problem; try again later."),
    ProbeUnexpected => ("Réponse inattendue (page de connexion Wi-Fi ?).", "Unexpected answer (Wi-Fi login page?)."),
    StoragePersisted => (
        "Stockage protégé : le navigateur ne l'effacera pas s'il manque de place.",
        "Storage protected: the browser will not erase it when space runs low."
    ),
    StorageNotPersisted => (
        "Stockage non protégé : si le téléphone manque de place, le navigateur pourrait l'effacer. Installez l'application sur l'écran d'accueil.",
        "Storage not protected: if the phone runs out of space, the browser might erase it. Install the app on the home screen."
    ),
    StorageUsage => ("Place prise par Vigie sur le téléphone : {used}, dont {outbox} pour la boîte d'envoi (il lui reste de la place jusqu'à {quota}).", "Room Vigie takes on the phone: {used}, of which {outbox} for the outbox (it has room up to {quota})."),
    SettingsSaved => ("Paramètres enregistrés.", "Settings saved."),
    UrlInvalid => (
        "Adresse refusée : elle doit commencer par https:// (http:// seulement pour cet appareil).",
        "Address refused: it must start with https:// (http:// only for this device)."
    ),
    SetupImported => ("Configuration reçue par lien et enregistrée.", "Setup received by link and saved."),
    FormVersion => ("{title} (version {version})", "{title} (version {version})"),
    FormsReplaced => ("La coordination ({host}) a envoyé ses propres formulaires ; ils remplacent ceux de l'application :", "The coordination ({host}) sent its own forms; they replace the app's:"),
    SetupConfirmTitle => ("Changer de serveur ?", "Change server?"),
    SetupConfirmHost => ("Avec ce lien, les rapports iront à :", "With this link, reports will go to:"),
    SetupConfirmNone => ("Ce lien arrête l'envoi : les rapports resteront sur le téléphone.", "This link stops sending: reports will stay on the phone."),
    SetupConfirmUnsent => ("Rapports pas encore envoyés qui partiraient vers ce serveur : {n}.", "Reports not yet sent that would go to this server: {n}."),
    SetupConfirmWarn => ("N'acceptez que si votre coordination vous a envoyé ce lien.", "Accept only if your coordination sent you this link."),
    SetupConfirmYes => ("Oui, changer de serveur", "Yes, change server"),
    SetupCancelled => ("Lien ignoré : le serveur n'a pas changé.", "Link ignored: the server did not change."),
    SetupRefused => ("Lien de configuration refusé : il est abîmé ou son adresse n'est pas sûre.", "Setup link refused: it is damaged or its address is unsafe."),
    AppVersion => ("Version de l'application", "App version"),
    OfflineReady => ("Prête à fonctionner sans réseau", "Ready to work offline"),
    OfflineNotReady => ("Pas encore prête hors ligne", "Not yet ready offline"),
    // Forms.
    Drafts => ("Brouillons", "Drafts"),
    Resume => ("Reprendre", "Resume"),
    DeleteDraft => ("Supprimer le brouillon", "Delete the draft"),
    StepOf => ("Étape {n} sur {total}", "Step {n} of {total}"),
    Previous => ("Précédent", "Back"),
    Next => ("Suivant", "Next"),
    Finish => ("Terminer et envoyer", "Finish and send"),
    WelcomeTitle => ("Bienvenue dans Vigie", "Welcome to Vigie"),
    WelcomeIntro => (
        "Trois réglages et vous êtes prêt. Tout reste sur le téléphone jusqu'à l'envoi.",
        "Three settings and you are ready. Everything stays on the phone until it is sent."
    ),
    UsualCommune => ("Votre commune habituelle", "Your usual commune"),
    UsualCommuneHint => (
        "Elle est remplie d'avance dans chaque nouveau rapport. Un rapport fait ailleurs ne la change pas.",
        "It is filled in on every new report. A report made elsewhere does not change it."
    ),
    UsualCommuneSaved => ("Commune habituelle enregistrée.", "Usual commune saved."),
    UsualPlaceFilled => (
        "Votre commune habituelle est remplie d'avance. Si cela s'est passé ailleurs, changez-la ici.",
        "Your usual commune is filled in. If it happened elsewhere, change it here."
    ),
    InstallApp => ("Installer sur l'écran d'accueil", "Install on the home screen"),
    InstallHowTo => (
        "Pour l'installer : ouvrez le menu ⋮ du navigateur, puis « Ajouter à l'écran d'accueil ». Vigie s'ouvrira alors comme une application, même sans réseau.",
        "To install it: open the browser's ⋮ menu, then \"Add to Home screen\". Vigie then opens like an app, even with no network."
    ),
    Start => ("Commencer", "Start"),
    Later => ("Plus tard", "Later"),
    SmsOffer => (
        "Pas de réseau : prévenez aussi la coordination par SMS. Le rapport complet partira dès qu'il y aura du réseau.",
        "No network: also tell the coordination by SMS. The full report will leave as soon as there is a network."
    ),
    SmsSend => ("Envoyer l'alerte par SMS", "Send the alert by SMS"),
    SmsNumber => ("Numéro SMS de la coordination (alertes sans réseau)", "Coordination's SMS number (alerts with no network)"),
    Dismiss => ("Fermer", "Close"),
    Referrals => ("Services d'aide", "Support services"),
    ReferralsIntro => (
        "Santé, soutien psychosocial, aide juridique, sécurité : proposez ces contacts à la personne si elle le souhaite.",
        "Health, psychosocial support, legal aid, safety: offer these contacts to the person if they wish."
    ),
    ReferralsNone => (
        "Aucun service n'a encore été reçu de la coordination. Il apparaîtra ici après une connexion.",
        "No service has been received from the coordination yet. It will appear here after a connection."
    ),
    ReferralsAfterReport => ("Voir les services d'aide à proposer", "See the support services to offer"),
    ReferralsHere => ("Services d'aide à proposer ici", "Support services to offer here"),
    ReferralsHereCercle => (
        "Aucun service publié pour cette commune : voici ceux du cercle.",
        "No service published for this commune: here are the cercle's."
    ),
    ReferralsHereAll => (
        "Aucun service publié près d'ici : voici tous les services connus.",
        "No service published near here: here are all the known services."
    ),
    ReferralsCall => ("Appeler", "Call"),
    Correct => ("Corriger", "Correct"),
    TranslationRefused => (
        "La traduction publiée par la coordination a été refusée : {why}",
        "The translation the coordination published was refused: {why}"
    ),
    QuickExit => ("Sortie rapide", "Quick exit"),
    PinSection => ("Code PIN", "PIN code"),
    PinIntro => (
        "Sur un téléphone partagé, un code PIN cache les brouillons, « Mes rapports » et la boîte d'envoi. Sans code, un rapport envoyé ne peut plus être lu sur le téléphone, mais un rapport pas encore parti peut l'être par quelqu'un qui copie sa mémoire. Avec un code, aucun rapport ne peut être lu sans lui, même ceux écrits avant ; vos plans d'action, votre nom et le code d'accès au serveur sont cachés aussi. Choisissez un code difficile à deviner (pas une date de naissance). Les rapports partent quand l'application est ouverte et déverrouillée.",
        "On a shared phone, a PIN hides drafts, \"My reports\" and the outbox. Without a PIN, a sent report can no longer be read on the phone, but one not yet sent can be by someone who copies its memory. With a PIN, no report can be read without it, even those written before; your action plans, your name and the server access code are hidden too. Choose a PIN that is hard to guess (not a birth date). Reports are sent while the app is open and unlocked."
    ),
    WelcomePin => (
        "Téléphone partagé ? Protégez vos rapports par un code PIN, avant le premier rapport :",
        "Shared phone? Protect your reports with a PIN, before the first report:"
    ),
    WelcomePinLink => ("choisir un code PIN", "choose a PIN"),
    PinNew => ("Nouveau code PIN (6 à 8 chiffres)", "New PIN (6 to 8 digits)"),
    PinAgain => ("Confirmez : le même code, encore une fois", "Confirm: the same PIN again"),
    PinSet => ("Activer le code", "Turn the PIN on"),
    PinRemove => ("Retirer le code", "Turn the PIN off"),
    PinIsOn => ("Le code PIN est activé.", "The PIN is on."),
    PinIsOnWithDevice => (
        "Le code PIN est activé, avec le verrou de ce téléphone.",
        "The PIN is on, with this phone's screen lock."
    ),
    ProblemNotOffered => (
        "Ce choix ne correspond plus à une réponse précédente : choisissez à nouveau.",
        "This choice no longer fits an earlier answer: choose again."
    ),
    DeviceAsk => (
        "Exiger aussi le verrou de ce téléphone (empreinte ou code d'écran)",
        "Also require this phone's screen lock (fingerprint or screen code)"
    ),
    DeviceHint => (
        "Ainsi, une copie de la mémoire du téléphone ne suffit pas, même avec le PIN : il faut ce téléphone et son verrou. Si ce verrou est perdu (téléphone réinitialisé), Vigie ne pourra plus être ouverte : envoyez vos rapports avant.",
        "Then a copy of the phone's memory is not enough, even with the PIN: it takes this phone and its lock. If that lock is lost (phone reset), Vigie can no longer be opened: send your reports first."
    ),
    DeviceFailed => (
        "Le verrou du téléphone n'a pas été confirmé (ou ce téléphone ne peut pas le joindre au code) : le code n'est pas activé. Réessayez, ou décochez la case pour le code seul.",
        "The phone's lock was not confirmed (or this phone cannot join it to the PIN): the PIN is not on. Try again, or untick the box for the PIN alone."
    ),
    DeviceUnlockFailed => (
        "Confirmez avec le verrou du téléphone (empreinte ou code d'écran) pour ouvrir Vigie, puis réessayez.",
        "Confirm with the phone's lock (fingerprint or screen code) to open Vigie, then try again."
    ),
    PinSaved => ("Code PIN activé. Retenez-le : sans lui, les rapports non envoyés ne peuvent pas être lus.", "PIN turned on. Remember it: without it, unsent reports cannot be read."),
    PinRemoved => ("Code PIN retiré.", "PIN turned off."),
    PinShape => ("Le code doit avoir 6 à 8 chiffres.", "The PIN must be 6 to 8 digits."),
    PinSlip => ("Tapez votre code : des chiffres seulement.", "Type your PIN: digits only."),
    PinMismatch => ("Les deux codes ne sont pas les mêmes.", "The two PINs are not the same."),
    PinWorking => ("Un instant…", "One moment…"),
    PinFailed => ("Le code n'a pas pu être enregistré. Rien n'a changé.", "The PIN could not be saved. Nothing changed."),
    LockTitle => ("Vigie est verrouillée", "Vigie is locked"),
    PinCheckFailed => ("Le code n'a pas pu être vérifié sur ce téléphone. Réessayez.", "The PIN could not be checked on this phone. Try again."),
    LockUnreadable => (
        "Le verrou enregistré sur ce téléphone est illisible : le code ne peut plus être vérifié. Vous pouvez effacer les données de ce téléphone.",
        "The lock stored on this phone cannot be read: the PIN can no longer be checked. You can erase this phone's data."
    ),
    LockPrompt => ("Code PIN", "PIN"),
    Unlock => ("Déverrouiller", "Unlock"),
    PinWrongOne => ("Code incorrect. Encore 1 essai.", "Wrong PIN. 1 try left."),
    /// `{n}` is replaced by the tries left.
    PinWrongMany => ("Code incorrect. Encore {n} essais.", "Wrong PIN. {n} tries left."),
    PinTooMany => (
        "Trop d'essais incorrects. Si vous avez oublié le code, vous pouvez effacer les données de ce téléphone.",
        "Too many wrong PINs. If you have forgotten it, you can erase this phone's data."
    ),
    EraseWarnOne => (
        "Attention : 1 rapport n'est pas encore parti et sera perdu.",
        "Warning: 1 report has not left yet and will be lost."
    ),
    /// `{n}` is replaced by the number of records not sent.
    EraseWarnMany => (
        "Attention : {n} rapports ne sont pas encore partis et seront perdus.",
        "Warning: {n} reports have not left yet and will be lost."
    ),
    EraseWarnNone => ("Tous les rapports sont déjà partis.", "Every report has already left."),
    EraseData => ("Effacer les données de ce téléphone", "Erase this phone's data"),
    EraseConfirm => ("Oui, tout effacer", "Yes, erase everything"),
    LockNow => ("Verrouiller", "Lock"),
    OptionalLeft => ("Tout l'essentiel est rempli. Les écrans suivants sont facultatifs.", "Everything required is filled in. The next screens are optional."),
    DraftSaved => ("Brouillon enregistré sur le téléphone", "Draft saved on the phone"),
    FixProblems => ("Corrigez les réponses signalées en rouge avant de terminer.", "Fix the answers marked in red before finishing."),
    Finalised => ("Enregistré : le rapport partira dès qu'il y aura du réseau.", "Saved: the report will be sent as soon as there is a network."),
    RequiredMark => ("obligatoire", "required"),
    ProblemRequired => ("Réponse obligatoire.", "An answer is required."),
    ProblemNotANumber => ("Écrivez un nombre.", "Write a number."),
    ProblemNotWhole => ("Écrivez un nombre entier.", "Write a whole number."),
    ProblemTooSmall => ("Au moins {n}.", "At least {n}."),
    ProblemTooLarge => ("Au plus {n}.", "At most {n}."),
    ProblemTooShort => ("Au moins {n} caractères.", "At least {n} characters."),
    ProblemTooLong => ("Au plus {n} caractères.", "At most {n} characters."),
    ProblemPattern => ("Format attendu : {p}", "Expected format: {p}"),
    ProblemConstraint => ("Cette réponse n'est pas acceptée.", "This answer is not accepted."),
    ProblemTooFew => ("Ajoutez au moins {n} entrée(s).", "Add at least {n} entry(ies)."),
    ProblemTooMany => ("Au plus {n} entrées.", "At most {n} entries."),
    ProblemDateTime => ("Date ou heure non valable.", "Invalid date or time."),
    Yes => ("Oui", "Yes"),
    No => ("Non", "No"),
    Region => ("Région", "Region"),
    Cercle => ("Cercle", "Cercle"),
    Commune => ("Commune", "Commune"),
    Choose => ("— Choisir —", "— Choose —"),
    OtherCommune => ("Autre commune (préciser)", "Other commune (specify)"),
    Village => ("Village / quartier", "Village / neighbourhood"),
    SettingsUnreadableKeptSending => (
        "Les réglages de connexion de ce téléphone sont illisibles. Vigie continue d'envoyer avec les derniers réglages valides. Ouvrez Réglages pour les vérifier et enregistrez-les à nouveau.",
        "This phone's connection settings cannot be read. Vigie keeps sending with the last valid settings. Open Settings to check them and save them again."
    ),
    SettingsUnreadable => (
        "Les réglages de connexion de ce téléphone sont illisibles : rien n'est envoyé. Ils sont gardés tels quels ; ouvrez Réglages et enregistrez la connexion à nouveau.",
        "This phone's connection settings cannot be read: nothing is sent. They are kept as they are; open Settings and save the connection again."
    ),
    TakePosition => ("Prendre ma position", "Use my position"),
    LookingForPosition => ("Recherche de la position…", "Finding your position…"),
    PositionUnavailable => ("Position indisponible : continuez sans.", "Position unavailable: carry on without it."),
    Clear => ("Effacer", "Clear"),
    Women => ("Femmes", "Women"),
    Men => ("Hommes", "Men"),
    AgeGroup => ("Âge", "Age"),
    Total => ("Total", "Total"),
    AgeUnknown => ("Âge inconnu", "Age unknown"),
    AddEntry => ("Ajouter", "Add"),
    RemoveEntry => ("Retirer", "Remove"),
    EntryN => ("N° {n}", "No. {n}"),
    ChooseForm => ("Que voulez-vous noter ?", "What do you want to log?"),
    MyReports => ("Mes rapports", "My reports"),
    /// Where the case of a sent alert stands (from the receiver).
    CaseNewsNew => ("Reçue par la coordination, pas encore prise en charge", "Received by the coordination, not yet taken in charge"),
    CaseNewsTaken => ("Pris en charge", "Taken in charge"),
    CaseNewsTakenBy => ("Pris en charge par {by}", "Taken in charge by {by}"),
    CaseNewsResponding => ("réponse en cours", "response under way"),
    CaseNewsClosed => ("Clos", "Closed"),
    CaseNewsClosedHow => ("Clos : {how}", "Closed: {how}"),
    CaseNewsResolved => ("résolu", "resolved"),
    CaseNewsTransferred => ("transmis à {to}", "transferred to {to}"),
    CaseNewsFalseAlarm => ("fausse alerte", "false alarm"),
    CaseNewsNoFollowUp => ("sans suite", "no follow-up"),
    NoReports => ("Aucun rapport pour l'instant.", "No reports yet."),
    ReportSent => ("Rapport envoyé", "Report sent"),
    ShowMore => ("Voir plus", "Show more"),
    ShownOf => ("{shown} sur {total}", "{shown} of {total}"),
    OlderReceipts => ("Plus anciens (détails effacés du téléphone)", "Older (details removed from the phone)"),
    MonthSent => ("{month} : {n} rapports envoyés", "{month}: {n} reports sent"),
    MonthSentOne => ("{month} : 1 rapport envoyé", "{month}: 1 report sent"),
    PlanTooLarge => ("Texte trop long ou plan trop grand : raccourcissez.", "Text too long or plan too large: shorten it."),
    PlanEditRefused => ("Cette modification n'a pas pu être faite.", "This change could not be made."),
    NoPlans => ("Aucun plan sur ce téléphone. Créez celui de votre mécanisme, ou connectez-vous pour recevoir ceux de votre commune.", "No plan on this phone. Create your mechanism's plan, or go online to receive your commune's plans."),
    NewPlan => ("Nouveau plan", "New plan"),
    CreatePlan => ("Créer le plan", "Create the plan"),
    PlanKindCommunal => ("Plan d'action communal", "Communal action plan"),
    PlanKindRoadmap => ("Feuille de route", "Roadmap"),
    PlanNameLabel => ("Nom du mécanisme ou de l'alliance", "Name of the mechanism or alliance"),
    PlanNeedsName => ("Donnez un nom et choisissez la commune.", "Give a name and choose the commune."),
    PlanNeedsPlace => ("Donnez un nom et choisissez le lieu du plan.", "Give a name and choose the plan's place."),
    PlanKindLegend => ("Type de plan", "Kind of plan"),
    PlanLevelLegend => ("Pour quel territoire ?", "For which area?"),
    PlanLevelNational => ("Pour tout le pays", "For the whole country"),
    PlanLevelRegion => ("Pour une région", "For a region"),
    PlanLevelCercle => ("Pour un cercle", "For a cercle"),
    PlanLevelCommune => ("Pour une commune", "For a commune"),
    WholeCountry => ("Tout le pays", "Whole country"),
    PlansHere => ("Plans de votre zone", "Plans of your area"),
    PlansElsewhere => ("Autres plans", "Other plans"),
    ActivitiesDone => ("activités réalisées", "activities done"),
    Overdue => ("en retard", "overdue"),
    ToReview => ("à revoir", "to review"),
    PlanUnsent => ("Modifications pas encore envoyées", "Changes not sent yet"),
    PlanSynced => ("À jour avec le serveur", "Up to date with the server"),
    PlanSyncing => ("Synchronisation…", "Syncing…"),
    PlanRefused => ("Refusé par le serveur :", "Refused by the server:"),
    PlanOutsideScope => (
        "Le serveur refuse ce plan : il n'est pas dans la zone de votre code d'accès. Vos modifications restent sur le téléphone ; demandez à la coordination.",
        "The server refuses this plan: it is not in your access code's area. Your changes stay on the phone; ask the coordination."
    ),
    PlanOffline => ("Serveur injoignable : vous voyez la copie du téléphone.", "Server unreachable: you see the phone's copy."),
    Refresh => ("Actualiser", "Refresh"),
    Add => ("+ Ajouter", "+ Add"),
    Edit => ("Modifier", "Edit"),
    Untitled => ("(sans titre)", "(untitled)"),
    FundingSource => ("Source de financement", "Funding source"),
    FundingUnknown => ("Source non précisée", "Source not given"),
    BudgetPlanned => ("Prévu (FCFA)", "Planned (FCFA)"),
    BudgetSpent => ("Dépensé (FCFA)", "Spent (FCFA)"),
    MarkDone => ("Marquer réalisée aujourd'hui", "Mark done today"),
    MarkedDone => ("Activité marquée réalisée aujourd'hui, et enregistrée.", "Activity marked done today, and saved."),
    AddMediationStep => ("+ Étape de médiation", "+ Mediation step"),
    StageLabel => ("Étape :", "Stage:"),
    ExecutionRate => ("Part déjà faite (taux d'exécution)", "Share already done (execution rate)"),
    NextReview => ("Prochaine revue", "Next review"),
    BudgetLine => ("Budget dépensé / prévu", "Budget spent / planned"),
    ReviewTitle => ("Points à revoir", "Points to review"),
    ReviewIntro => ("Plusieurs téléphones ont modifié la même chose différemment. Pour chaque point, lisez les versions et gardez la bonne.", "Several phones changed the same thing differently. For each point, read the versions and keep the right one."),
    RefusedTooShort => ("réponse trop courte. Ajoutez des détails.", "answer too short. Add details."),
    RefusedTooLong => ("réponse trop longue. Raccourcissez-la.", "answer too long. Shorten it."),
    RefusedMissing => ("réponse manquante. Répondez à cette question.", "answer missing. Answer this question."),
    RefusedNotAChoice => ("cette réponse ne fait pas partie des choix proposés.", "this answer is not one of the choices."),
    RefusedNotANumber => ("un nombre est attendu.", "a number is expected."),
    RefusedBadDate => ("la date n'est pas valable.", "the date is not valid."),
    RefusedTooLarge => ("nombre trop grand.", "number too large."),
    RefusedOther => ("refusée par le serveur", "refused by the server"),
    /// Above a form reopened by "Corriger"; the reason follows.
    RefusedFixThis => (
        "Le serveur a refusé ce rapport. Corrigez ceci, puis enregistrez à nouveau :",
        "The server refused this report. Correct this, then save again:"
    ),
    ReviewCurrent => ("Version retenue pour l'instant", "Version kept for now"),
    ReviewOther => ("Autre version", "Other version"),
    ReviewDeleteOrKeep => ("supprimer ou garder ?", "delete or keep?"),
    ReviewDeleted => ("Supprimer cet élément", "Delete this item"),
    ReviewKept => ("Garder cet élément", "Keep this item"),
    ReviewThisPhone => ("ce téléphone", "this phone"),
    ReviewPhone => ("téléphone {id}…", "phone {id}…"),
    ReviewUnnamed => ("Sans nom", "No name"),
    KeepThis => ("Garder celle-ci", "Keep this one"),
    ItemDeleted => ("Élément supprimé", "Item deleted"),
    ItemKept => ("Élément gardé", "Item kept"),
    NothingToReview => ("Rien à revoir.", "Nothing to review."),
    Print => ("Imprimer", "Print"),
    PrintSummary => ("Résumé à imprimer", "Printable summary"),
    PlanSaved => ("Enregistré sur le téléphone.", "Saved on the phone."),
    PlanNotFound => ("Ce plan n'est pas sur ce téléphone.", "This plan is not on this phone."),
    BackToPlan => ("← Retour au plan", "← Back to the plan"),
    BackToPlans => ("← Tous les plans", "← All plans"),
    UnsavedRestored => ("Modifications pas encore enregistrées, reprises. Enregistrez-les ou abandonnez-les.", "Changes not saved yet, brought back. Save them or abandon them."),
    DiscardChanges => ("Abandonner ces modifications", "Abandon these changes"),
    FormUnavailable => ("Ce formulaire n'est pas disponible sur ce téléphone.", "This form is not available on this phone."),
    DraftGone => ("Ce brouillon n'existe plus (déjà terminé ?).", "This draft no longer exists (already finished?)."),
    FormsRefused => ("Formulaires reçus du serveur et refusés (les anciens restent utilisés) :", "Forms received from the server and refused (the previous ones stay in use):"),
    DraftVersionChanged => (
        "Ce brouillon a été commencé avec une version du formulaire qui n'est plus sur ce téléphone : il continue avec la version actuelle. Vérifiez les réponses.",
        "This draft was started with a version of the form that is no longer on this phone: it continues with the current one. Check the answers."
    ),
    // ---- Action plans: list titles, field labels, choices (plans::schema) ----
    PlanStatusPlanifiee => ("Planifiée", "Planned"),
    PlanStatusEnCours => ("En cours", "Under way"),
    PlanStatusRealisee => ("Réalisée", "Done"),
    PlanStatusReportee => ("Reportée", "Postponed"),
    PlanStatusAnnulee => ("Annulée", "Cancelled"),
    PlanSwotForce => ("Force", "Strength"),
    PlanSwotFaiblesse => ("Faiblesse", "Weakness"),
    PlanSwotOpportunite => ("Opportunité", "Opportunity"),
    PlanSwotMenace => ("Menace", "Threat"),
    PlanPriorityHaute => ("Haute", "High"),
    PlanPriorityMoyenne => ("Moyenne", "Medium"),
    PlanPriorityBasse => ("Basse", "Low"),
    PlanSexF => ("Femme", "Woman"),
    PlanSexM => ("Homme", "Man"),
    PlanIntensityLatent => ("Latent", "Latent"),
    PlanIntensityOuvert => ("Ouvert", "Open"),
    PlanIntensityViolent => ("Violent", "Violent"),
    PlanTrendHausse => ("En hausse", "Rising"),
    PlanTrendStable => ("Stable", "Stable"),
    PlanTrendBaisse => ("En baisse", "Falling"),
    PlanStepsContact => ("Prise de contact", "First contact"),
    PlanStepsEcoute => ("Écoute séparée", "Separate hearing"),
    PlanStepsDialogue => ("Dialogue", "Dialogue"),
    PlanStepsAccord => ("Accord", "Agreement"),
    PlanStepsSuivi => ("Suivi", "Follow-up"),
    PlanAgreementOui => ("Oui", "Yes"),
    PlanAgreementPartiel => ("Partiel", "Partial"),
    PlanAgreementNon => ("Non", "No"),
    PlanFundingCommune => ("Commune", "Commune"),
    PlanFundingPartenaire => ("Partenaire", "Partner"),
    PlanFundingLocale => ("Contribution locale", "Local contribution"),
    PlanHorizonCourt => ("Court terme", "Short term"),
    PlanHorizonMoyen => ("Moyen terme", "Medium term"),
    PlanHorizonLong => ("Long terme", "Long term"),
    PlanPlanName => ("Nom du mécanisme", "Mechanism name"),
    PlanPlanCommuneName => ("Commune", "Commune"),
    PlanPlanDecree => ("Arrêté de création", "Creation order"),
    PlanPlanPeriodStart => ("Début du plan", "Plan start"),
    PlanPlanPeriodEnd => ("Fin du plan", "Plan end"),
    PlanPlanValidatedBy => ("Validé par", "Validated by"),
    PlanPlanValidatedOn => ("Validé le", "Validated on"),
    PlanPlanMonitoring => ("Suivi-évaluation : fréquence et responsable", "Monitoring: frequency and person"),
    PlanPlanNextReview => ("Prochaine revue", "Next review"),
    PlanListMembers => ("Membres", "Members"),
    PlanMembersName => ("Nom", "Name"),
    PlanMembersRole => ("Rôle", "Role"),
    PlanMembersSex => ("Sexe", "Sex"),
    PlanMembersCategory => ("Catégorie (chef de village, religieux, femmes, jeunes…)", "Category (village chief, religious, women, youth…)"),
    PlanListPlan => ("Le plan", "The plan"),
    PlanListSwot => ("Analyse FFOM (forces, faiblesses, opportunités, menaces)", "SWOT analysis (strengths, weaknesses, opportunities, threats)"),
    PlanSwotQuadrant => ("Type", "Type"),
    PlanSwotText => ("Texte", "Text"),
    PlanSwotPriority => ("Priorité", "Priority"),
    PlanListConflicts => ("Conflits", "Conflicts"),
    PlanConflictsTitle => ("Intitulé", "Title"),
    PlanConflictsType => ("Type (foncier, agriculteurs-éleveurs, chefferie…)", "Type (land, farmer-herder, chieftaincy…)"),
    PlanConflictsVillages => ("Villages concernés", "Villages"),
    PlanConflictsStarted => ("Début", "Started"),
    PlanConflictsParties => ("Parties (acteurs, positions, intérêts)", "Parties (actors, positions, interests)"),
    PlanConflictsCauses => ("Causes profondes et déclencheurs", "Root causes and triggers"),
    PlanConflictsEffects => ("Conséquences (dont sur les femmes et les jeunes)", "Effects (incl. on women and youth)"),
    PlanConflictsIntensity => ("Intensité", "Intensity"),
    PlanConflictsTrend => ("Tendance", "Trend"),
    PlanConflictsConnectors => ("Connecteurs : ce qui rapproche les gens (capacités locales de paix)", "Connectors: what brings people together (local peace capacities)"),
    PlanConflictsDividers => ("Diviseurs : ce qui oppose les gens", "Dividers: what sets people apart"),
    PlanConflictsPrevious => ("Tentatives de règlement antérieures", "Previous attempts"),
    PlanConflictsTeam => ("Équipe de réconciliation", "Reconciliation team"),
    PlanConflictsAgreement => ("Accord obtenu", "Agreement reached"),
    PlanConflictsCommitments => ("Engagements", "Commitments"),
    PlanConflictsFollowUp => ("Date de suivi", "Follow-up date"),
    PlanListMediation => ("Étapes de médiation", "Mediation steps"),
    PlanMediationConflict => ("Conflit", "Conflict"),
    PlanMediationDate => ("Date", "Date"),
    PlanMediationStep => ("Étape", "Step"),
    PlanMediationResult => ("Résultat", "Result"),
    PlanListActivities => ("Activités", "Activities"),
    PlanActivitiesTitle => ("Activité", "Activity"),
    PlanActivitiesConflict => ("Conflit visé", "Conflict addressed"),
    PlanActivitiesObjective => ("Objectif", "Objective"),
    PlanActivitiesExpected => ("Résultat attendu", "Expected result"),
    PlanActivitiesResponsible => ("Responsable", "Responsible"),
    PlanActivitiesPartners => ("Partenaires", "Partners"),
    PlanActivitiesStart => ("Date de début", "Start date"),
    PlanActivitiesEnd => ("Date de fin", "End date"),
    PlanActivitiesPlace => ("Lieu", "Place"),
    PlanActivitiesTargetF => ("Cible : femmes", "Target: women"),
    PlanActivitiesTargetM => ("Cible : hommes", "Target: men"),
    PlanActivitiesTargetYouth => ("Cible : jeunes", "Target: youth"),
    PlanActivitiesBudget => ("Budget prévu (FCFA)", "Planned budget (FCFA)"),
    PlanActivitiesSpent => ("Dépensé (FCFA)", "Spent (FCFA)"),
    PlanActivitiesFunding => ("Source de financement", "Funding source"),
    PlanActivitiesIndicator => ("Indicateur", "Indicator"),
    PlanActivitiesBaseline => ("Situation au départ (valeur de base)", "Starting point (baseline)"),
    PlanActivitiesTarget => ("Cible", "Target"),
    PlanActivitiesVerification => ("Comment le vérifier (moyen de vérification)", "How to check it (means of verification)"),
    PlanActivitiesStatus => ("Statut", "Status"),
    PlanActivitiesDoneOn => ("Réalisée le", "Done on"),
    PlanActivitiesExecution => ("Part déjà faite, en % (taux d'exécution)", "Share already done, in % (execution rate)"),
    PlanActivitiesReport => ("Rapport d'activité envoyé", "Activity report sent"),
    PlanActivitiesNotes => ("Observations", "Observations"),
    PlanListRisks => ("Risques et atténuation", "Risks and mitigation"),
    PlanRisksRisk => ("Risque", "Risk"),
    PlanRisksMitigation => ("Mesure d'atténuation", "Mitigation"),
    PlanListAppraisals => ("Appréciations des autorités", "Appraisals by the authorities"),
    PlanAppraisalsDate => ("Date", "Date"),
    PlanAppraisalsBy => ("Par (autorité)", "By (authority)"),
    PlanAppraisalsText => ("Appréciation", "Appraisal"),
    PlanRoadmapListPlan => ("La feuille de route", "The roadmap"),
    PlanRoadmapListPriorities => ("Priorités", "Priorities"),
    PlanPrioritiesText => ("Priorité", "Priority"),
    PlanRoadmapListActivities => ("Actions", "Actions"),
    PlanActivitiesTitle2 => ("Action", "Action"),
    PlanActivitiesHorizon => ("Horizon", "Horizon"),
    PlanRoadmapListMembers => ("Comité de pilotage", "Steering committee"),
    PlanRoadmapListMeetings => ("Réunions du comité", "Committee meetings"),
    PlanMeetingsDate => ("Date", "Date"),
    PlanMeetingsDecisions => ("Décisions", "Decisions"),
}

/// One of two messages by count: `one` for 1, `many` (with `{n}` replaced) otherwise.
pub fn counted(lang: Lang, n: usize, one: Msg, many: Msg) -> String {
    if n == 1 {
        one.text(lang).to_owned()
    } else {
        many.text(lang).replace("{n}", &n.to_string())
    }
}

/// The header's count of records waiting to be sent and of records the backend refused
/// (a refused record is not "en attente": it waits for the user), in `lang`.
pub fn pending_label(lang: Lang, waiting: usize, refused: usize) -> String {
    let waiting_text =
        (waiting > 0).then(|| counted(lang, waiting, Msg::PendingOne, Msg::PendingMany));
    let refused_text =
        (refused > 0).then(|| counted(lang, refused, Msg::RefusedOne, Msg::RefusedMany));
    match (waiting_text, refused_text) {
        (None, None) => Msg::PendingNone.text(lang).to_owned(),
        (Some(w), Some(r)) => format!("{w} · {r}"),
        (Some(one), None) | (None, Some(one)) => one,
    }
}

/// What the header says about what has not left the phone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unsent {
    /// Whether the outbox could be read (if not, the counts below mean nothing).
    pub readable: bool,
    /// Records waiting to go.
    pub waiting: usize,
    /// Records the backend refused.
    pub refused: usize,
    /// Plans with changes not sent yet.
    pub plans: usize,
}

/// The header's badge: "Tout est envoyé" only when the outbox was read and nothing, record
/// or plan, is left to send.
pub fn unsent_label(lang: Lang, u: Unsent) -> String {
    if !u.readable {
        return Msg::OutboxUnreadableShort.text(lang).to_owned();
    }
    let records = pending_label(lang, u.waiting, u.refused);
    match u.plans {
        0 => records,
        n if u.waiting + u.refused == 0 => {
            counted(lang, n, Msg::PlanUnsentOne, Msg::PlanUnsentMany)
        }
        n => format!(
            "{records} · {}",
            counted(lang, n, Msg::PlanUnsentOne, Msg::PlanUnsentMany)
        ),
    }
}

/// The banner that warns while records have not left the phone, in `lang`.
pub fn unsent_banner(lang: Lang, unsent: usize) -> String {
    if unsent == 1 {
        Msg::UnsentBannerOne.text(lang).to_owned()
    } else {
        Msg::UnsentBanner
            .text(lang)
            .replace("{n}", &unsent.to_string())
    }
}

/// A byte count for people: "moins de 1 Ko", "12,4 Ko", "5,1 Mo" (French) / "12.4 KB" (English).
/// Integer arithmetic only: float formatting would add ~10 KB to the wasm.
pub fn format_bytes(lang: Lang, bytes: f64) -> String {
    let (units, sep) = match lang {
        Lang::Fr | Lang::Local => (["o", "Ko", "Mo", "Go"], ','),
        Lang::En => (["B", "KB", "MB", "GB"], '.'),
    };
    // `as` saturates: negative and NaN become 0.
    let bytes = bytes.round() as u64;
    let mut unit = 0;
    let mut scale = 1u64;
    while bytes >= scale * 1000 && unit < units.len() - 1 {
        scale *= 1000;
        unit += 1;
    }
    if unit == 0 {
        // "801 o" means nothing to most people: under a kilobyte is "less than 1 KB".
        return match lang {
            Lang::Fr | Lang::Local => "moins de 1 Ko".to_owned(),
            Lang::En => "less than 1 KB".to_owned(),
        };
    }
    let tenths = (bytes * 10 + scale / 2) / scale;
    format!("{}{sep}{} {}", tenths / 10, tenths % 10, units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_formatted_for_people() {
        assert_eq!(format_bytes(Lang::Fr, 820.0), "moins de 1 Ko");
        assert_eq!(format_bytes(Lang::Fr, 12_400.0), "12,4 Ko");
        assert_eq!(format_bytes(Lang::En, 5_100_000.0), "5.1 MB");
        assert_eq!(format_bytes(Lang::En, -3.0), "less than 1 KB");
    }

    #[test]
    fn every_message_has_both_languages() {
        for msg in Msg::ALL {
            for lang in Lang::ALL {
                assert!(
                    !msg.text(lang).trim().is_empty(),
                    "{msg:?} empty in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn french_is_the_default() {
        assert_eq!(Lang::default(), Lang::Fr);
    }

    #[test]
    fn french_and_english_differ_where_translated() {
        assert_ne!(Msg::Settings.text(Lang::Fr), Msg::Settings.text(Lang::En));
        assert_eq!(
            Msg::UpdateAvailable.text(Lang::Fr),
            "Nouvelle version disponible"
        );
    }

    #[test]
    fn lang_codes_round_trip_and_accept_regions() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("fr-ML"), Some(Lang::Fr));
        assert_eq!(Lang::from_code("EN_gb"), Some(Lang::En));
        assert_eq!(Lang::from_code("bm"), None);
        assert_eq!(Lang::from_code(""), None);
    }

    #[test]
    fn lang_serialises_as_its_code() {
        assert_eq!(serde_json::to_string(&Lang::En).unwrap(), "\"en\"");
        assert_eq!(serde_json::from_str::<Lang>("\"fr\"").unwrap(), Lang::Fr);
    }

    #[test]
    fn the_header_never_says_all_sent_when_something_is_not() {
        let all = |u| unsent_label(Lang::Fr, u);
        let read = Unsent {
            readable: true,
            ..Unsent::default()
        };
        assert_eq!(all(read), "Tout est envoyé");
        assert_eq!(all(Unsent { plans: 1, ..read }), "1 plan à envoyer");
        assert_eq!(
            all(Unsent {
                waiting: 2,
                plans: 3,
                ..read
            }),
            "2 en attente · 3 plans à envoyer"
        );
        // An outbox that could not be read (a full disk) is not an empty one.
        assert_eq!(all(Unsent::default()), "Boîte d'envoi illisible");
        assert_eq!(
            unsent_label(Lang::En, Unsent { plans: 2, ..read }),
            "2 plans to send"
        );
    }

    #[test]
    fn pending_label_pluralises() {
        assert_eq!(pending_label(Lang::Fr, 0, 0), "Tout est envoyé");
        assert_eq!(pending_label(Lang::Fr, 1, 0), "1 en attente");
        assert_eq!(pending_label(Lang::Fr, 12, 0), "12 en attente");
        assert_eq!(pending_label(Lang::En, 3, 0), "3 waiting");
        assert_eq!(pending_label(Lang::Fr, 0, 1), "1 refusé");
        assert_eq!(pending_label(Lang::Fr, 2, 3), "2 en attente · 3 refusés");
        assert_eq!(
            unsent_banner(Lang::Fr, 1),
            "Ne désinstallez pas l'application et n'effacez pas ses données : 1 rapport n'est pas encore parti."
        );
        assert!(unsent_banner(Lang::Fr, 4).contains(": 4 rapports ne sont pas encore partis."));
        // Plain French: no "(s)" nor "·e" in the catalogue's outbox words.
        for m in [
            Msg::UnsentBanner,
            Msg::UnsentBannerOne,
            Msg::Sending,
            Msg::SendNowOffline,
            Msg::PinWrongMany,
            Msg::EraseWarnMany,
        ] {
            assert!(!m.text(Lang::Fr).contains("(s)") && !m.text(Lang::Fr).contains("·e"));
        }
    }
}
