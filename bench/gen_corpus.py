#!/usr/bin/env python3
"""Writes a deterministic corpus of social-media posts for the benchmarks.

The posts are shaped like real exports: French and English, @mentions,
#hashtags, emoji, links, typographic quotes and apostrophes, accents, shouting,
runs of `!` and `?`, fields with commas, double quotes and line breaks, and a
few long threads. The same seed always gives the same bytes.

    python3 bench/gen_corpus.py --rows 1000000 --out bench/data/posts-1m

writes bench/data/posts-1m.csv and bench/data/posts-1m.jsonl (the same posts).
"""

import argparse
import json
import random
import sys

BRANDS = [
    "Orange", "Free", "SFR", "Bouygues", "SNCF", "AirFrance", "Delta", "united",
    "Dell", "Sony", "Apple", "Google", "Samsung", "Decathlon", "Fnac", "Darty",
    "Amazon", "Netflix", "Spotify", "Uber", "Deliveroo", "LaPoste", "Ikea",
    "Carrefour", "Toshiba", "Boulanger", "Cdiscount", "Zalando", "Ryanair",
]
PRODUCTS_EN = [
    "laptop", "phone", "TV", "router", "headphones", "tablet", "fridge",
    "washing machine", "smartwatch", "camera", "console", "order", "parcel",
    "subscription", "flight", "train ticket", "box", "app",
]
PRODUCTS_FR = [
    "ordinateur", "portable", "télé", "box", "casque", "tablette", "frigo",
    "lave-linge", "montre", "appareil photo", "console", "commande", "colis",
    "abonnement", "vol", "billet de train", "forfait", "appli",
]
NAMES = [
    "marie", "jsmith", "kevin_t", "anna_b", "rob_k", "nadia", "ivy", "marc",
    "zoe", "lucas", "chloe", "hugo", "emma", "leo", "jade", "nathan", "ines",
    "tom", "sarah", "alex", "camille", "max", "lea", "noah", "julie", "sam",
]
EMOJI = ["😡", "🤬", "😤", "❤️", "😍", "👍", "🙏", "😂", "🤔", "🔥", "💯", "😭", "🙄", "✨", "👏", "😊"]
HASHTAGS = [
    "fail", "vdm", "help", "service", "sav", "panne", "retard", "love", "bonplan",
    "tech", "mardi", "monday", "customerservice", "RGPD", "privacy", "promo",
    "avis", "unboxing", "grève", "wifi",
]

# Fragments of posts, with the signals the taxonomy describes and plenty of
# ordinary chatter. `{b}` is a brand, `{p}`/`{q}` products.
EN = {
    "angry": [
        "my {p} stopped working again", "internet down again", "fed up with @{b}",
        "second time this week", "this is the third time I call", "worst service ever",
        "still broken after two weeks", "my {p} is late AGAIN", "I want a refund",
        "cancelled my {p} without telling me", "absolutely unacceptable",
        "the connection keeps dropping", "nobody answers the phone",
    ],
    "attention": [
        "I love my new {p}, but it's far too heavy", "great {p} but the battery is weak",
        "the screen is gorgeous but the colour doesn't match my room",
        "nice design, but honestly a bit slow", "love the camera but hate the price",
    ],
    "passive": [
        "anyone know how to reset a {p}?", "my {p} stays on when I close it, what should I do?",
        "how do I change the settings on this {p}", "does anyone have the same problem with their {p}",
        "can't figure out how to pair my {p}",
    ],
    "collaborator": [
        "it would be great if the {p} had a dark mode", "you should add a family plan",
        "suggestion: let us pick the delivery slot", "idea for @{b}: a loyalty card in the app",
        "would be nice to have offline mode", "cc @{b} maybe add an export button",
    ],
    "advocate": [
        "you should all buy the new {p}", "best {p} ever", "we love it!", "I highly recommend @{b}",
        "amazing service, thank you", "10/10 would buy again", "the team was super helpful",
    ],
    "prospect": [
        "should I buy the {p} or the {q}?", "thinking about switching to @{b}",
        "what do you guys think of the {p}?", "is the {p} worth it", "{b} or {c}? help me choose",
    ],
    "traits": [
        "ordered online and picked it up in store", "tracking in the app says delivered",
        "my account was hacked", "what do you do with my personal data", "GDPR request sent",
        "read the reviews before buying", "compared prices on three sites", "it's cheaper at @{b}",
        "checked the FAQ and the forum", "watched a tutorial", "the live chat is a chatbot",
        "please reply asap", "two hours on hold", "still no reply", "recommendations made for me",
        "RT if you agree", "quick poll", "phishing email pretending to be @{b}",
        "started on my phone, finished on the desktop",
    ],
    "neutral": [
        "at the airport", "weather is nice today", "watching the game tonight",
        "coffee first", "lunch with friends", "new week new goals", "back from holidays",
        "listening to the new album", "traffic is terrible this morning", "happy friday everyone",
        "reading a good book", "the kids are finally asleep", "long day at work",
        "just finished my run", "pizza night", "can't wait for the weekend",
        "meeting in five minutes", "this song is stuck in my head",
    ],
}
FR = {
    "angry": [
        "mon {p} vient encore de couper", "internet coupé depuis ce matin", "j'en ai marre de @{b}",
        "j’en ai marre", "c'est la deuxième fois cette semaine", "la 3e fois que j'appelle",
        "service client nul", "toujours en panne après deux semaines", "{p} encore en retard",
        "je veux être remboursé", "c'est inadmissible", "ça coupe sans arrêt",
        "personne ne répond au téléphone", "RÉSILIATION IMMÉDIATE",
    ],
    "attention": [
        "j'adore mon nouveau {p}, mais il est bien trop lourd", "la HD est géniale, mais la couleur ne va pas avec mes meubles",
        "super {p} mais la batterie ne tient pas", "très joli, mais un peu lent",
    ],
    "passive": [
        "mon {p} reste allumé alors que j'ai cliqué sur mise en veille, que dois-je faire ?",
        "quelqu'un sait comment réinitialiser la {p} ?", "comment on change les réglages de ce {p}",
        "quelqu’un a le même problème avec son {p} ?",
    ],
    "collaborator": [
        "il serait pas mal de proposer un mode sombre", "ce serait top d'avoir une offre famille",
        "suggestion : choisir le créneau de livraison", "idée pour @{b} : une carte fidélité dans l'appli",
        "cc @{b} pensez à ajouter un export",
    ],
    "advocate": [
        "vous devriez tous acheter le nouveau {p}", "je recommande @{b} à tout le monde",
        "service génial et vendeurs au top", "le meilleur {p} que j'ai eu", "on adore !",
        "équipe très sympa, merci",
    ],
    "prospect": [
        "je pense passer sur un Mac", "j'hésite entre le {p} et le {q}, qu'en pensez-vous ?",
        "vous me conseillez @{b} ou @{c} ?", "ça vaut le coup de changer de {p} ?",
    ],
    "traits": [
        "commandé en ligne, retrait en magasin", "le suivi dans l'appli ne bouge plus",
        "mon compte a été piraté", "que faites-vous de mes données personnelles ?", "demande RGPD envoyée",
        "j'ai lu les avis avant d'acheter", "comparatif des prix sur trois sites", "moins cher chez @{b}",
        "j'ai cherché partout dans la FAQ", "regardé un tuto sur le forum", "le chat en direct est un chatbot",
        "toujours pas de réponse", "j'attends depuis trois jours", "des recommandations pour moi",
        "partagez autour de vous", "mail d'hameçonnage au nom de @{b}", "commencé sur mobile, fini sur l'ordi",
    ],
    "neutral": [
        "à l'aéroport", "il fait beau aujourd'hui", "match ce soir", "un café d'abord",
        "déjeuner entre amis", "nouvelle semaine, nouveaux objectifs", "retour de vacances",
        "j'écoute le nouvel album", "bouchons énormes ce matin", "bon vendredi à tous",
        "je lis un super bouquin", "les enfants dorment enfin", "longue journée au boulot",
        "footing terminé", "soirée pizza", "vivement le week-end", "réunion dans cinq minutes",
        "cette chanson me reste en tête", "Noël approche", "on se fait un ciné ?",
    ],
}
# How often each kind of fragment is picked: most posts are chatter.
KINDS = ["neutral"] * 10 + ["angry"] * 3 + ["traits"] * 3 + ["attention", "passive", "collaborator", "advocate", "prospect"]


def fragment(rng, lang_frags, products, kind=None):
    kind = kind or rng.choice(KINDS)
    brands = rng.sample(BRANDS, 2)
    p, q = rng.sample(products, 2)
    return rng.choice(lang_frags[kind]).format(b=brands[0], c=brands[1], p=p, q=q)


def post(rng):
    fr = rng.random() < 0.5
    frags, products = (FR, PRODUCTS_FR) if fr else (EN, PRODUCTS_EN)
    r = rng.random()
    if r < 0.05:
        n = rng.randint(10, 45)  # a long thread
    elif r < 0.5:
        n = rng.randint(3, 6)
    else:
        n = rng.randint(1, 3)
    parts = [fragment(rng, frags, products) for _ in range(n)]
    seps = [". ", ", ", " ", "... ", " - ", "\n", " ; "]
    weights = [40, 20, 15, 8, 5, 3, 2]
    text = parts[0]
    for part in parts[1:]:
        text += rng.choices(seps, weights)[0] + part
    text = text[0].upper() + text[1:]
    if rng.random() < 0.35:
        text = "@" + rng.choice(BRANDS) + " " + text
    if rng.random() < 0.15:
        text += " @" + rng.choice(BRANDS)
    if rng.random() < 0.05:
        text = text.upper()
    if rng.random() < 0.08:
        text = "« " + text + " »" if fr else "\u201c" + text + "\u201d"
    if rng.random() < 0.06:
        text = 'She said "' + text + '"' if not fr else 'Il a dit "' + text + '"'
    end = rng.random()
    if end < 0.15:
        text += " !!!" if fr else "!!!"
    elif end < 0.25:
        text += " ??" if fr else "??"
    elif end < 0.5:
        text += " !" if fr else "!"
    if rng.random() < 0.3:
        for _ in range(rng.randint(1, 3)):
            text += " #" + rng.choice(HASHTAGS)
    if rng.random() < 0.3:
        text += " " + "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.1:
        text += " https://t.co/" + "".join(rng.choice("abcdefghijkLMNOPQ0123456789") for _ in range(10))
    return text, fr


def csv_field(s):
    if any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261101)
    ap.add_argument("--out", required=True, help="path without extension; .csv and .jsonl are added")
    ap.add_argument("--no-jsonl", action="store_true", help="write only the CSV")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    csv_out = open(args.out + ".csv", "w", encoding="utf-8", newline="")
    jsonl_out = None if args.no_jsonl else open(args.out + ".jsonl", "w", encoding="utf-8", newline="")
    csv_out.write("id,created_at,author,lang,retweets,text\n")
    base = 1_700_000_000
    for i in range(args.rows):
        text, fr = post(rng)
        ident = str(1_000_000 + i)
        t = base + i * 3 + rng.randint(0, 2)
        created = "2026-%02d-%02dT%02d:%02d:%02dZ" % (
            1 + (t // 2_600_000) % 12, 1 + (t // 86_400) % 28, (t // 3600) % 24, (t // 60) % 60, t % 60)
        author = "@" + rng.choice(NAMES) + str(rng.randint(1, 999))
        lang = "fr" if fr else "en"
        rts = str(int(rng.paretovariate(1.5)) - 1)
        csv_out.write(",".join((ident, created, author, lang, rts, csv_field(text))) + "\n")
        if jsonl_out:
            jsonl_out.write(json.dumps(
                {"id": ident, "created_at": created, "author": author, "lang": lang,
                 "retweets": int(rts), "text": text},
                ensure_ascii=False, separators=(",", ":")) + "\n")
    csv_out.close()
    if jsonl_out:
        jsonl_out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
