//! Checks of the embedded default rulebook: it loads without a single
//! warning, every label's examples and counter-examples hold, and the
//! statements quoted in the source of the customer types get their type.

use postclass::engine::{self, Rulebook};
use postclass::rulebook::{self, Mode, Source};
use postclass::Verdict;

fn fired(rulebook: &Rulebook, verdict: &Verdict) -> String {
    let ids: Vec<&str> = verdict
        .fired
        .iter()
        .map(|&r| rulebook.rules[r].id.as_str())
        .collect();
    format!("[{}]", ids.join(", "))
}

/// The labels a set gave a post, as ids (the fallback included).
fn given(rulebook: &Rulebook, verdict: &Verdict, set: usize) -> Vec<String> {
    match rulebook.sets[set].mode {
        Mode::One => vec![rulebook.label_of(verdict, set).to_string()],
        Mode::Many => verdict.sets[set]
            .labels
            .iter()
            .map(|&l| rulebook.sets[set].labels[l].id.clone())
            .collect(),
    }
}

#[test]
fn default_rulebook_loads_without_warnings() {
    // Every check, as `postclass check` runs them: loading the embedded
    // default as it is trusts this test and does not check it again.
    let source = Source::new(rulebook::DEFAULT_NAME, rulebook::DEFAULT_TEXT);
    let report = engine::check(source.clone(), &mut engine::no_files);
    assert!(
        report.diagnostics.is_empty(),
        "the default rulebook has findings:\n{report}"
    );
    assert!(engine::load(source).is_ok());
}

#[test]
fn only_the_embedded_default_as_it_is_skips_the_checks() {
    // The default's text changed is checked: a warning added to it comes
    // back, under the default's own name.
    let text = rulebook::DEFAULT_TEXT.replacen(
        "[[set.label.rule]]\nid = \"prospect-switch-fr\"\nweight = 2.0",
        "[[set.label.rule]]\nid = \"prospect-switch-fr\"\nweight = 0.0",
        1,
    );
    assert_ne!(text, rulebook::DEFAULT_TEXT);
    let (_, report) = engine::load(Source::new(rulebook::DEFAULT_NAME, &text)).unwrap();
    assert!(
        report.diagnostics.iter().any(|d| d.code == "W006"),
        "{report}"
    );
}

#[test]
fn default_rulebook_describes_every_customer_type() {
    let rulebook = engine::default_rulebook();
    let set = &rulebook.sets[0];
    assert_eq!(set.id, "customer_type");
    assert_eq!(set.fallback.as_deref(), Some("unclassified"));
    let expected = [
        ("angry", 1, "highest"),
        ("prospect", 2, "high"),
        ("passive", 3, "medium-high"),
        ("collaborator", 4, "medium"),
        ("advocate", 5, "medium-low"),
        ("attention_seeker", 6, "low"),
        ("unclassified", 7, "none"),
    ];
    for (id, rank, name) in expected {
        let label = set
            .labels
            .iter()
            .find(|l| l.id == id)
            .unwrap_or_else(|| panic!("no label `{id}` in customer_type"));
        assert_eq!(label.priority, Some(rank), "priority of `{id}`");
        assert_eq!(
            label.priority_name.as_deref(),
            Some(name),
            "priority name of `{id}`"
        );
        assert!(!label.title.is_empty(), "`{id}` has no title");
        assert!(
            label.action.as_deref().is_some_and(|a| !a.is_empty()),
            "`{id}` has no action"
        );
    }
    let traits = &rulebook.sets[1];
    assert_eq!(traits.id, "traits");
    let ids: Vec<&str> = traits.labels.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "digital_channels",
            "personalization",
            "responsiveness",
            "autonomy",
            "online_research",
            "social_engagement",
            "multichannel",
            "privacy_security",
        ]
    );
}

#[test]
fn examples_get_their_label_and_counter_examples_do_not() {
    let rulebook = engine::default_rulebook();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (si, set) in rulebook.sets.iter().enumerate() {
        for label in &set.labels {
            for (texts, wanted) in [(&label.examples, true), (&label.counter_examples, false)] {
                for text in texts {
                    checked += 1;
                    let verdict = rulebook.classify(text);
                    let got = given(&rulebook, &verdict, si);
                    if got.contains(&label.id) != wanted {
                        failures.push(format!(
                            "{} `{}` / `{}`: {text:?}\n    got {got:?}, fired {}",
                            if wanted {
                                "example of"
                            } else {
                                "counter-example of"
                            },
                            set.id,
                            label.id,
                            fired(&rulebook, &verdict)
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 0, "the default rulebook has no examples");
    assert!(
        failures.is_empty(),
        "{} of {checked} examples fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The statements quoted in the source of the six types, with the type the
/// source gives each one, plus the English ones of the taxonomy.
const QUOTED: &[(&str, &str)] = &[
    (
        "J’aime mon ordinateur portable Dell, mais il est beaucoup trop lourd",
        "attention_seeker",
    ),
    (
        "Je viens de recevoir la nouvelle Freebox et elle est installée. La haute définition est géniale, mais la couleur ne correspond pas à mes meubles !",
        "attention_seeker",
    ),
    (
        "Mon portable Toshiba reste allumé alors que j’ai cliqué sur mise en veille, que dois-je faire ?",
        "passive",
    ),
    (
        "Mon internet vient encore de couper, j’en ai marre de Orange…",
        "angry",
    ),
    (
        "XX livreur de fleur a livré en retard les fleurs pour l’anniversaire de ma mère. C’est la deuxième fois.",
        "angry",
    ),
    (
        "Il serait pas mal de proposer de nouveaux sandwichs avec du poulet",
        "collaborator",
    ),
    (
        "Il serait pas mal de proposer de nouveaux sandwichs avec du poulet cc: @McDonalds",
        "collaborator",
    ),
    (
        "Vous devriez tous acheter le nouveau Sony TV 3D. Il est génial et parfait pour les jeux et regarder des films sur Blu Ray. Nous l’aimons!",
        "advocate",
    ),
    (
        "Je pense à passer sur un Mac. Fatigué des pannes constantes de mon PC HP. Qu’est-ce que vous en pensez ?",
        "prospect",
    ),
    ("I love my Dell laptop but it's far too heavy", "attention_seeker"),
    (
        "la HD est géniale, mais la couleur ne va pas avec mes meubles",
        "attention_seeker",
    ),
    ("Merci pour votre commande", "unclassified"),
    ("thank you", "unclassified"),
    (
        "mon portable reste allumé quand je le mets en veille, que dois-je faire ?",
        "passive",
    ),
    (
        "Anyone know how to get the laptop to sleep? #fail",
        "passive",
    ),
    ("My internet is down again, fed up with @Comcast", "angry"),
    ("Second time my order is late!!!", "angry"),
    (
        "It would be great if you added chicken sandwiches cc: @McDonalds",
        "collaborator",
    ),
    ("You should add a vegan option", "collaborator"),
    (
        "You should all buy the new Sony 3D TV. Best TV ever, we love it! ❤️",
        "advocate",
    ),
    ("Je recommande ce restaurant", "advocate"),
    (
        "Thinking about switching to a Mac, tired of my HP. Should I buy one?",
        "prospect",
    ),
    ("@Apple or @Microsoft? What do you think?", "prospect"),
];

#[test]
fn quoted_statements_get_their_type() {
    let rulebook = engine::default_rulebook();
    let set = rulebook
        .sets
        .iter()
        .position(|s| s.id == "customer_type")
        .expect("a customer_type set");
    let mut failures = Vec::new();
    for (text, expected) in QUOTED {
        let verdict = rulebook.classify(text);
        let got = rulebook.label_of(&verdict, set);
        if got != *expected {
            failures.push(format!(
                "{text:?}\n    expected {expected}, got {got} (scores {:?}), fired {}",
                verdict.sets[set].scores,
                fired(&rulebook, &verdict)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} quoted statements get the wrong type:\n{}",
        failures.len(),
        QUOTED.len(),
        failures.join("\n")
    );
}
