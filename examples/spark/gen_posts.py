#!/usr/bin/env python3
"""Writes a synthetic, deterministic export of social media posts as JSONL.

The posts look like a social-listening export: French and English, @mentions,
#hashtags, emoji, and text with commas, "quotes" and line breaks. The same
--seed and --rows always give the same bytes, so a test can be rerun exactly.

    python3 gen_posts.py --rows 120000 --files 4 --out data/
"""

import argparse
import json
import os
import random
import sys

BRANDS = ["Orange", "SNCF", "Decathlon", "Fnac", "AirFrance", "Delta", "Dell", "Apple",
          "Google", "Samsung", "Free", "Bouygues", "Amazon", "Zalando", "United", "Ikea"]

EN = {
    "angry": [
        "@{b} my order was cancelled again, second time this month. Fed up!!!",
        "Seriously @{b}, 3 hours on hold and nobody answers. Worst service ever 😡",
        "I am DONE with @{b}. Refund me now, this is a scam",
        "@{b} charged me twice, again. Fed up with this, \"customer care\" my foot",
    ],
    "prospect": [
        "Should I buy the {p} from @{b} or from @{b2}? What do you guys think?",
        "Thinking of switching from @{b} to @{b2}, any advice?",
        "Anyone tried the new {p}? Worth it? #shopping",
        "Which one: {p} at @{b} or the one at @{b2}?? Need opinions",
    ],
    "passive": [
        "My {p} keeps crashing since the update, does anyone know a fix?",
        "Hey friends, how do you reset a {p}? Mine is stuck on the logo",
        "Ugh, the {p} stopped working again. Anyone else having this problem?",
    ],
    "collaborator": [
        "Love my {p} from @{b}, but it would be great if the app had a dark mode",
        "@{b} great product! Suggestion: add a way to export my data, please",
        "Really happy with @{b}, one idea: let us pick the delivery time",
    ],
    "advocate": [
        "I recommend @{b} to everyone, amazing service and friendly staff 😍",
        "Best purchase of the year: my {p} from @{b}. Go get one! #happy",
        "Shout-out to @{b}, they fixed my issue in 10 minutes. Love them ❤️",
    ],
    "attention_seeker": [
        "Look at my new {p}!!! So proud 📸 #unboxing #tech",
        "New video is up: I tested the {p} for a week, link in bio #review",
        "Just got the {p}, it's gorgeous, though the box was damaged lol",
    ],
    "neutral": [
        "Store opening hours on Sunday, anyone?",
        "Watching the game tonight #sport",
        "Coffee first, then emails",
    ],
}

FR = {
    "angry": [
        "Mon internet vient encore de couper, j'en ai marre de @{b}... C'est la deuxième fois cette semaine !",
        "@{b} toujours aucune réponse, 2 heures d'attente au téléphone. Honteux 😡",
        "Remboursez-moi @{b}, j'en ai MARRE de vos « offres »",
        "Colis perdu, encore. Service client inexistant chez @{b} #arnaque",
    ],
    "prospect": [
        "J'hésite entre le {p} de @{b} et celui de @{b2}, vous me conseillez quoi ?",
        "Vous avez testé le {p} ? Ça vaut le coup ? #bonplan",
        "Je pense passer de @{b} à @{b2}, des avis ?",
    ],
    "passive": [
        "Mon {p} ne s'allume plus depuis la mise à jour, quelqu'un a une solution ?",
        "Besoin d'aide : comment on réinitialise un {p} ? Le mien bloque",
    ],
    "collaborator": [
        "J'adore mon {p} de chez @{b}, mais ce serait top d'avoir le mode sombre dans l'appli",
        "@{b} super produit ! Petite suggestion : pouvoir choisir le créneau de livraison",
    ],
    "advocate": [
        "Je recommande @{b} à tout le monde, service génial et vendeurs au top 😍",
        "Meilleur achat de l'année : mon {p} chez @{b} ! Foncez #content",
        "Merci @{b}, problème réglé en 10 minutes. Bravo 👏",
    ],
    "attention_seeker": [
        "Regardez mon nouveau {p} !!! Trop fière 📸 #unboxing",
        "Nouvelle vidéo : j'ai testé le {p} pendant une semaine, lien en bio #test",
    ],
    "neutral": [
        "Horaires du magasin dimanche ?",
        "Match ce soir #foot",
        "Un café, et au boulot",
    ],
}

PRODUCTS = ["Pixel 9", "iPhone", "Galaxy S24", "XPS 13", "box fibre", "vélo électrique",
            "casque", "tablette", "TV OLED", "machine à café", "laptop", "running shoes"]
HASHTAGS = ["#service", "#fail", "#vdm", "#merci", "#help", "#SAV", "#tech", "#promo", "#BlackFriday"]
EMOJI = ["😡", "🤬", "😍", "❤️", "🙏", "😂", "👍", "🔥", "🇫🇷", "👩‍💻"]
TAILS_EN = [" Thanks in advance,", " \"Premium\" they said.", " Anyway, whatever.",
            "\nSent from my phone", " (again, sigh)", ", seriously, come on"]
TAILS_FR = [" Merci d'avance,", " « Premium » qu'ils disaient.", " Bref.",
            "\nEnvoyé de mon téléphone", " (encore, soupir)", ", franchement, bon"]
NAMES = ["marie_l", "jsmith", "nadia", "rob_k", "ivy", "tom.b", "léa", "k_dupont",
         "sam", "zoé", "mo", "alex99", "cam", "yuki", "bea", "noor"]


def post(rng, i):
    lang = "fr" if rng.random() < 0.5 else "en"
    bank = FR if lang == "fr" else EN
    kind = rng.choice(list(bank))
    b, b2 = rng.sample(BRANDS, 2)
    text = rng.choice(bank[kind]).format(b=b, b2=b2, p=rng.choice(PRODUCTS))
    # Mix in the noise real exports have.
    r = rng.random()
    if r < 0.25:
        text += rng.choice(TAILS_FR if lang == "fr" else TAILS_EN)
    if rng.random() < 0.3:
        text += " " + " ".join(rng.sample(HASHTAGS, rng.randint(1, 3)))
    if rng.random() < 0.3:
        text += " " + rng.choice(EMOJI) * rng.randint(1, 3)
    if rng.random() < 0.05:
        text = text.upper()
    if rng.random() < 0.03:
        text = "RT @" + rng.choice(NAMES) + ": " + text
    if rng.random() < 0.02:
        text += "\r\n\t-- " + rng.choice(NAMES)
    return {
        "id": f"p{i:09d}",
        "created_at": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                      f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
        "lang": lang,
        "user": {"username": rng.choice(NAMES), "followers": rng.randint(0, 50000)},
        "text": text,
        "retweets": rng.randint(0, 500),
    }


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="posts in all (default 100000)")
    ap.add_argument("--files", type=int, default=4, help="files to spread them over (default 4)")
    ap.add_argument("--seed", type=int, default=20261103, help="random seed")
    ap.add_argument("--out", required=True, help="directory to write posts-NN.jsonl into")
    args = ap.parse_args(argv)
    if args.rows < 0 or args.files < 1:
        ap.error("--rows must be 0 or more and --files 1 or more")
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    per_file = -(-args.rows // args.files)
    i = 0
    for f in range(args.files):
        path = os.path.join(args.out, f"posts-{f:02d}.jsonl")
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            for _ in range(min(per_file, args.rows - i)):
                i += 1
                out.write(json.dumps(post(rng, i), ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
