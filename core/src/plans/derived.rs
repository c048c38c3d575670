//! Figures computed from a plan, never stored (so they cannot disagree with it).

use std::collections::BTreeMap;

use serde_json::Value;

use super::Plan;

/// A plan's progress at a glance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Activities not cancelled.
    pub planned: usize,
    /// Of which done.
    pub done: usize,
    /// Mean execution rate of the planned activities, in % (a done one counts 100 unless
    /// its rate says otherwise); `None` without any.
    pub execution: Option<u32>,
    /// Not done nor cancelled, with an end date before today.
    pub overdue: usize,
    /// Planned and spent budget (FCFA) by funding source code (`""`: not given).
    pub budget: BTreeMap<String, (i64, i64)>,
    /// The last mediation step (by date) of each live conflict, by conflict id.
    pub stages: BTreeMap<String, String>,
    /// The next review date, if set.
    pub next_review: Option<String>,
    /// True conflicts waiting for a choice.
    pub to_review: usize,
}

fn number(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().replace([' ', '\u{a0}'], "").parse().ok(),
        _ => None,
    }
}

/// Computes the figures; `today` is `YYYY-MM-DD` (dates compare as text).
pub fn progress(plan: &Plan, today: &str) -> Progress {
    let mut p = Progress {
        to_review: plan.reviews.len(),
        next_review: plan
            .header("next_review")
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        ..Progress::default()
    };
    let mut rates = Vec::new();
    for (_, a) in plan.live("activities") {
        let status = a.text("status");
        if status == "annulee" {
            continue;
        }
        p.planned += 1;
        let done = status == "realisee";
        if done {
            p.done += 1;
        }
        let rate = number(a.get("execution"))
            .map(|r| r.clamp(0, 100))
            .or(done.then_some(100))
            .unwrap_or(0);
        rates.push(rate);
        let end = a.text("end");
        if !done && status != "reportee" && !end.is_empty() && end < today {
            p.overdue += 1;
        }
        let entry = p.budget.entry(a.text("funding").to_owned()).or_default();
        entry.0 = entry.0.saturating_add(number(a.get("budget")).unwrap_or(0));
        entry.1 = entry.1.saturating_add(number(a.get("spent")).unwrap_or(0));
    }
    if !rates.is_empty() {
        p.execution = Some((rates.iter().sum::<i64>() / rates.len() as i64) as u32);
    }
    let live_conflicts: Vec<&String> = plan.live("conflicts").map(|(id, _)| id).collect();
    // Latest date wins; on the same date, the later step in the usual order.
    let mut last: BTreeMap<&str, (&str, usize, &String, &str)> = BTreeMap::new();
    for (id, step) in plan.live("mediation") {
        let conflict = step.text("conflict");
        if !live_conflicts.iter().any(|c| c.as_str() == conflict) {
            continue;
        }
        let name = step.text("step");
        let order = super::schema::STEPS
            .iter()
            .position(|s| s.0 == name)
            .unwrap_or(0);
        let key = (step.text("date"), order, id, name);
        if last.get(conflict).is_none_or(|k| key > *k) {
            last.insert(conflict, key);
        }
    }
    p.stages = last
        .into_iter()
        .map(|(c, k)| (c.to_owned(), k.3.to_owned()))
        .collect();
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::PlanKind;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn figures_follow_the_activities_and_the_mediation_log() {
        let mut p = Plan::new(Uuid::from_u128(1), PlanKind::PlanCommunal, "ML030201");
        let mut set = |l: &str, id: &str, f: &str, v: Value| p.set(l, id, f, v, 1, "A").unwrap();
        set("activities", "a1", "status", json!("realisee"));
        set("activities", "a1", "budget", json!(150_000));
        set("activities", "a1", "spent", json!(120_000));
        set("activities", "a1", "funding", json!("commune"));
        set("activities", "a2", "status", json!("en_cours"));
        set("activities", "a2", "execution", json!(40));
        set("activities", "a2", "end", json!("2026-10-31"));
        set("activities", "a2", "budget", json!("250 000"));
        set("activities", "a2", "funding", json!("partenaire"));
        set("activities", "a3", "status", json!("annulee"));
        set("activities", "a4", "end", json!("2026-12-31"));
        set("conflicts", "c1", "title", json!("Foncier à Loulouni"));
        set("mediation", "m1", "conflict", json!("c1"));
        set("mediation", "m1", "date", json!("2026-09-01"));
        set("mediation", "m1", "step", json!("contact"));
        set("mediation", "m2", "conflict", json!("c1"));
        set("mediation", "m2", "date", json!("2026-10-12"));
        set("mediation", "m2", "step", json!("dialogue"));
        set("header", "plan", "next_review", json!("2027-01-15"));
        let g = progress(&p, "2026-11-23");
        assert_eq!((g.planned, g.done, g.overdue), (3, 1, 1));
        assert_eq!(g.execution, Some((100 + 40) / 3));
        assert_eq!(g.budget["commune"], (150_000, 120_000));
        assert_eq!(g.budget["partenaire"], (250_000, 0));
        assert_eq!(g.stages["c1"], "dialogue");
        assert_eq!(g.next_review.as_deref(), Some("2027-01-15"));
        p.delete("activities", "a2", 2, "A").unwrap();
        let g = progress(&p, "2026-11-23");
        assert_eq!(
            (g.planned, g.overdue),
            (2, 0),
            "a deleted activity counts no more"
        );
    }
}
