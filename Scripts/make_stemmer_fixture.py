#!/usr/bin/env python3
"""Generate the English (Snowball "Porter2") stemmer parity fixture for Tessera's BM25 analyser, and a small
analyser fixture.

Writes (overwritten):
  * Tests/TesseraIndexTests/Fixtures/english_stemmer.tsv: one line per word, `word<TAB>stem`, where `stem` is what
    PyStemmer (`Stemmer.Stemmer("english").stemWord`) returns. The header line starts with `#` and names the
    PyStemmer version.
  * Tests/TesseraIndexTests/Fixtures/english_analyzer.jsonl: one JSON object per line, {"text": ..., "terms": [...]},
    where `terms` is bm25s's `tokenize([text], stopwords="en", stemmer=Stemmer("english"), return_ids=False)[0]`
    (default token pattern, lowercasing). Texts are random mixes of the words below with mixed case, stop words,
    punctuation, apostrophes, hyphens, digits, underscores and non-ASCII letters. Combining marks (and `İ`, which
    lowercases to i + U+0307) are left out on purpose: Tessera keeps marks inside words where Python's `\w`
    splits (see WordSplitter.swift).

The words are assembled here, deterministically (fixed seed), from:
  * hand-written English base words and every word of Snowball's exception lists and special prefixes
    (gener-, commun-, arsen-, past-, univers-, later-, emerg-, organ-, inter-), with -ing/-ed/-ly/-eed/-ies forms;
  * base words combined with one or two of the suffixes that the algorithm's steps remove or rewrite;
  * apostrophe forms ('s, s', leading '), y-handling cases and short words;
  * seeded random letter strings built from English-like syllables and suffixes (they reach rule
    combinations no dictionary word does);
  * a few words with digits, underscores and non-ASCII letters (those count as non-vowels).
Nothing is taken from any data set.

Run:
    ~/.cache/tessera-peers/bin/python Scripts/make_stemmer_fixture.py [--out PATH] [--analyzer-out PATH]
"""

import argparse
import random
from pathlib import Path

import Stemmer

SEED = 20250611
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "Tests/TesseraIndexTests/Fixtures/english_stemmer.tsv"
DEFAULT_ANALYZER_OUT = REPO_ROOT / "Tests/TesseraIndexTests/Fixtures/english_analyzer.jsonl"

BASE_WORDS = """
act adapt add address adjust admire admit adopt advance advise affect afford agree aid aim allow alter amaze
amuse analyse analyze announce annoy answer apologize appear applaud apply appoint appreciate approve argue arise
arrange arrest arrive ask assemble assert assess assign assist assume assure attach attack attain attempt attend
attract avoid awake bake balance ban bang bar bat bathe battle beam bear beat become beg begin behave belong bend
bet bid bind bite bleed bless blind blink blot blow blush boast boil bolt bomb book bore borrow bounce bow box brake
branch breathe breed bring broadcast bruise brush bubble build bump burn burst bury buzz calculate call camp care
carry carve cause challenge change charge chase cheat check cheer chew choke choose chop claim clap clean clear
clip close coach coil collect colour comb come command communicate compare compete complain complete concentrate
concern confess confuse connect consider consist contain continue copy correct cough count cover crack crash crawl
create creep criticize cross crush cry cure curl curve cycle dam damage dance dare deal decay deceive decide
decorate define delay delight deliver depend describe desert deserve destroy detect develop differ dig direct
disagree disappear disapprove disarm discover dislike divide double doubt drag drain draw dream dress drip drop
drown drum dry dust earn educate embarrass employ empty encourage end enjoy enter entertain escape examine excite
excuse exercise exist expand expect explain explode extend face fade fail fancy fasten fax fear fence fetch file
fill film fire fit fix flap flash float flood flow flower fold follow fool force forget forgive form found frame
frighten fry gather gaze generate glow glue grab grate grease greet grin grip groan guarantee guard guess guide
hammer hand handle hang happen harm hate haunt head heal heap heat help hook hop hope hover hug hum hunt hurry
identify ignore imagine impress improve include increase influence inform inject injure instruct intend interest
interfere interrupt introduce invent invite irritate itch jail jam jog join joke judge juggle jump kick kill kiss
kneel knit knock knot label land last laugh launch learn level license lick lie lighten like list listen live load
lock long look love manage march mark marry match mate matter measure melt memorize mend milk mine miss mix moan
moor mourn move muddle mug multiply murder nail name need nest nod note notice number obey object observe obtain
occur offend offer open order overflow owe own pack paddle paint park part pass paste pat pause peck pedal peel
peep perform permit phone pick pinch pine place plan plant play please plug point poke polish pop possess post
pour practise pray preach precede prefer prepare present preserve press pretend prevent prick print proceed
produce program promise protect provide pull pump punch puncture punish push question queue race radiate rain raise
reach realize receive recognize record reduce reflect refuse regret reign reject rejoice relax release rely remain
remember remind remove repair repeat replace reply report reproduce request rescue retire return rhyme rinse risk
rob rock roll rot rub ruin rule run rush sack sail satisfy save saw scare scatter scold scorch scrape scratch
scream screw scribble scrub seal search separate serve settle shade share shave shelter shiver shock shop shrug
sigh sign signal sin sip ski skip slap slip slow smash smell smile smoke snatch sneeze sniff snore snow soak
soothe sound spare spark sparkle spell spill spoil spot spray sprout squash squeak squeal squeeze stain stamp stare
start stay steer step stir stitch stop store strap strengthen stretch strip stroke stuff subtract succeed suck
suffer suggest suit supply support suppose surprise surround suspect suspend switch talk tame tap taste tease
telephone tempt terrify test thank thaw tick tickle tie time tip tire touch tour tow trace trade train transport
trap travel treat tremble trick trip trot trouble trust try tug tumble turn twist type undress unfasten unite
unlock unpack untidy use vanish visit wail wait walk wander want warm warn wash waste watch water wave weigh
welcome whine whip whirl whisper whistle wink wipe wish wobble wonder work worry wrap wreck wrestle wriggle yawn
yell yield zip zoom
able active actual agree allow animal apparent argument arrange art atom author bake base beauty behave believe
bicycle biology bright brother build care cause centre certain change cheap child city class clever clinic close
cloud cold colour comfort common complete condition connect conscious continent control cool correct country
courage create critic cruel culture custom danger dark day dead deep defend define depend describe design develop
different difficult direct divide doctor dream early earth easy economy edit educate effect electric element
emotion employ energy engine equal establish event evident exact example expense experience expert explore
express fact fair faith false family famous fashion fast fault favour fear feature federal feel final fine firm
fit flat fluent follow force form formal fortune free fresh friend full fun fund function future gene general
generous gentle genuine geology glory good govern grace grand grateful great green grow guilt habit happy hard
harm health heart heaven help hero history honest honour hope horror host human humour hungry hurt idea ideal
identity ill image imagine immediate import impress incident independent industry infect influence inform
initial injure innocent insect inspect install instance instrument intellect intelligent intense interest
interpret invent invest irony island issue jealous joy judge just kind king know labour language large late
law lawyer lead legal level liberal light like limit line liquid literal live local logic loose loud love
loyal luck lucky magic major manage manner marine mass master material matter mature mean measure medical memory
mental mercy merit metal method mind minister minute miracle mobile model modern moment moral mother motion
mountain move music mystery nation native nature necessary negative nerve neutral new noble noise normal note
notion novel number object obvious occasion ocean odd offence office operate opinion oppose optic option order
organ origin output owner pain paint pale parent part partial passion patient peace perfect period person
philosophy physic piece pilot place plain planet plant plastic play pleasure poem poet point polite politic
popular port position positive possible post power practical precise prefer present press pretty prevent price
pride primary prince print private probable problem process produce profession profit progress project proper
protect proud prove public pure purpose quality quarter question quick quiet race radical rapid rare rate rational
raw reach react read ready real reason receive recent record reduce reflect reform regular relate relative relax
relevant religion remark remote rent repeat report represent republic reputation resist resolve resource respect
respond rest result reveal rich right rigid rise risk rival road role romantic room rough round royal rude rule
sad safe sample satisfy scale scene school science sculpture season secret section secure select sense sensitive
sentiment separate serious serve settle severe shape sharp shock short sign signify silent simple sincere single
skill slave sleep slight slow small smart smooth social soft solid solve sort soul sound special spirit split
sport stable standard state station steady steel stiff stone strange strategy strength stress strict strong
structure student study style subject success sudden suffer sugar suggest suit summer supply support surface
surprise survive suspect sweet symbol sympathy system talent task taste teach technical tend tense term terror
test theory thick thin thought threat tight title tolerant total touch tough tour trade tradition tragic train
transfer transform travel treat tremendous trend trial trouble true trust truth type ugly union unique unit
univers universe urban urge usual valid value vary vast verb version victim view vigor violent virtue visible
vision visual vital voice volume wake warm wash waste wealth weapon weather weight welcome west wide wild will
wind wise wit woman wonder wood word work world worry worth wound write young youth zeal
abandon absorb abstract absurd abuse academic accept access accident accompany accomplish account accurate accuse
achieve acknowledge acquire adequate adjacent administer admirable advantage adventure advertise advocate
aesthetic affection aggressive alarm alcohol alert allergy alliance allocate ambition ambiguous amend ample
analogy ancestor anchor angel anger angle anniversary anxious apology apparatus appeal appetite applause
appropriate approximate arbitrary architect arena arithmetic arrogant artificial aspect assassin asset assign
astonish asylum athlete atmosphere attitude attorney audience authentic authority automatic autonomy available
avenue average aware awful awkward
condition relation nation station ration adoption action fiction function junction caution option motion
notion lotion potion portion mention tension pension passion mission fusion vision version erosion explosion
hopeful hopefulness careful carefulness useful usefulness harmful harmfulness cheerful cheerfulness playful
happiness sadness darkness kindness weakness illness fitness goodness business witness wilderness
rational rationalism rationality national nationalism nationality formalism formality equality reality
realize realization organization generalization civilization specialization hospitalization
decisive decisiveness effective effectiveness attractive attractiveness sensitivity activity productivity
ability capability probability possibility responsibility visibility sensibility stability mobility
conditional conditionally additional additionally traditional traditionally emotional emotionally
valency tendency agency urgency emergency fluency frequency efficiency sufficiency deficiency
hesitancy relevancy vacancy infancy pregnancy redundancy constancy
electric electrical electricity electrician historic historical historically logical logically
critical critically practical practically typical typically musical magical medical radical
formative normative indicative communicative imaginative creative operative relative
hopefully carefully beautifully gracefully usefully peacefully faithfully
endlessly hopelessly carelessly helplessly harmlessly aimlessly needlessly
fluently recently frequently currently apparently evidently presently patiently
famously dangerously generously nervously seriously previously obviously curiously
sensibly possibly terribly horribly visibly audibly humbly nobly
geologist biologist ecologist zoologist psychologist sociologist anthropologist archaeologist
geology biology ecology zoology psychology sociology anthropology archaeology theology
analogy apology eulogy trilogy methodology technology
abundance ignorance tolerance distance importance elegance relevance appearance
difference reference preference conference existence silence patience violence
adjustment agreement amusement arrangement government management movement payment settlement
dependent independent consistent persistent different excellent intelligent
baptism criticism heroism realism terrorism tourism optimism
activate calculate celebrate communicate concentrate demonstrate dominate educate estimate evaluate
irritate isolate motivate navigate operate participate regulate separate translate violate
capitalize criticize emphasize organize recognize summarize sympathize
generalise generalize generation generator general generally generic generous generosity genera
communication communism community communal communicate commune communion communique
arsenal arsenic arsenate arsenide
past paste pasted pasting pastes pastime pastor pastry pastoral pasture pastel
universe universal university universities universally universality
lateral later laterally lateralization latera laterite
emerge emergence emergency emergent emerging emerged emerges
organ organic organize organization organism organist organs organically organized organizes
inter internal interval intervals interfere interference international internationally intern interned interns
interest interesting interested interior interiors intercom interim interact interaction interactive interactively
interpretation interpreter intervention interventional interstitial intermittent intermediate internalize
skis skies sky skied skiing ski dying lying tying vying idly gently ugly early only singly
news howe atlas cosmos bias andes inning innings outing outings canning herring earring evening evenings
proceed exceed succeed proceeding exceeding succeeding proceeds exceeds succeeds proceeded exceeded succeeded
proceedly exceedly succeedly
"""

# Snowball English step suffixes (and a few that look like them).
SUFFIXES = """
s es ies ied ed edly ing ingly eed eedly ly ful fulness fully less lessly lessness ness ment ments ement ements
al ally alism alist ality alities alize alized alizes alization ance ances ence ences ency encies ancy ancies
enci anci abli entli izer izers ization izations ational ationally ation ations ator ators alli ousli ousness
iveness iviti ivity ivities biliti bility bilities bli ogist ogists ogi ogy ogies fulli lessli li
tional tionally alize icate icates icating icated iciti icity ical ically ative atives
er ers ic ics able ably ible ibly ant ants ent ents ism isms ate ates ated ating iti ity ities ous ously ive ives
ively ize izes ized izing ise ises ised ising ion ions sion sions tion tions y ys ie e es est ier iest
""".split()

SYLLABLES = """
a e i o u y ab ac ad af ag al am an ap ar as at av ay ba be bi bo bu by ca ce ci co cu cy da de di do du dy
fa fe fi fo fu ga ge gi go gu ha he hi ho hu hy ja jo ka ke ki la le li lo lu ly ma me mi mo mu my na ne ni
no nu ny pa pe pi po pu py qu ra re ri ro ru ry sa se si so su sy ta te ti to tu ty va ve vi vo wa we wi wo
xa xe ya ye yi yo za ze zo str spl scr thr chr ph th sh ch ck ng nk ll ss tt pp bb dd ff gg mm nn rr zz
eed ee oo ai au ei ou oy ey aw ew ow ax ex ix ox
""".split()

EXTRA_CASES = """
y ya yay yes yet yield yielded yielding young younger youth yoyo yyy ayyy eyeing eying eyes eyed
boy boys boyish buy buying buyer toy toys toying sayings says said say player players playing played
fly flies flying flyer cry cries crying cried spy spies spying spied dye dyes dyeing dyed die dies
tie ties tied lie lies lied ski skies pie pies ties tries tried
gas gaps kiwis this his has was bus buses plus pluses class classes glass glasses caress caresses
ponies pony cats cat's cats' 's ' '' 'a a' o'clock 'tis rock'n'roll don't can't won't isn't
agreed disagreed feed feeds feeding bleed bleeding bleedly speed speedy speedily indeed
hoping hopping hoped hopped filing filling filed filled luxuriating luxuriated
abbed added egged odd off offed ebbed erred
controlled controlling rolling travelling traveled labelled labeling
a an ab abc abs aby ed ing ly li ies ied eed
cement ement ment ent ion sion tion ation
consign consigned consigning consignment consist consisted consistency consistent consistently
generously generate generated generating generates
knightly knight knights knighthood
lightly lighting lighted lighter lightest lightness
quickly quickness quicker quickest
"""

NON_ASCII_AND_DIGITS = """
naïve naïvely café cafés résumé résumés fiancée fiancées déjà façade façades über größe straße coöperate
coöperation zoë noël señor señora mañana niño niños jalapeño jalapeños piñata ångström ångströms
covid19 h1n1 b12 il6 tnfα α β γ δ αβ αβγ 2d 3d 10th 21st 1990s 100 2020 12345 1st 2nd 3rd
snake_case under_score a_b_c x_y__z __init__ ___ __
москва москвы привет данные модель 東京 日本語 한국어 ελληνικά λόγος λόγοι
"""


def base_words():
    words = []
    for w in BASE_WORDS.split():
        words.append(w)
    return words


def stripped_stem(word):
    """A crude English root used to attach suffixes (drop a final e or y)."""
    if len(word) > 3 and word.endswith("e"):
        return word[:-1]
    if len(word) > 3 and word.endswith("y"):
        return word[:-1] + "i"
    return word


def random_syllable_word(rng):
    parts = [rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.75:
        parts.append(rng.choice(SUFFIXES))
    if rng.random() < 0.25:
        parts.append(rng.choice(SUFFIXES))
    return "".join(parts)


def random_letter_word(rng):
    letters = "aeiouyaeiouybcdfghjklmnprstvwxyzlnrst'"
    n = rng.randint(1, 10)
    word = "".join(rng.choice(letters) for _ in range(n))
    if rng.random() < 0.5:
        word += rng.choice(SUFFIXES)
    return word


def assemble_words():
    rng = random.Random(SEED)
    words = []
    seen = set()

    def add(w):
        if w and w not in seen:
            seen.add(w)
            words.append(w)

    bases = base_words()
    for w in bases:
        add(w)
    for w in EXTRA_CASES.split():
        add(w)
    for w in NON_ASCII_AND_DIGITS.split():
        add(w)

    # Every base word with a deterministic sample of suffixes, attached both to the word and to its crude root.
    for w in bases:
        for suffix in rng.sample(SUFFIXES, 3):
            add(w + suffix)
            add(stripped_stem(w) + suffix)
    # Two suffixes stacked.
    for _ in range(1500):
        w = rng.choice(bases)
        add(stripped_stem(w) + rng.choice(SUFFIXES) + rng.choice(SUFFIXES))
    # Special prefixes with suffixes.
    for prefix in ["gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ", "inter"]:
        for suffix in SUFFIXES:
            add(prefix + suffix)
    # Random words behind the special prefixes (their R1 starts right after the prefix).
    prefixes = ["gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ", "inter"]
    for _ in range(600):
        add(rng.choice(prefixes) + random_syllable_word(rng))
    # Random English-like and random letter strings.
    for _ in range(2000):
        add(random_syllable_word(rng))
    for _ in range(1500):
        add(random_letter_word(rng))
    return words


STOP_WORDS_MIXED = "a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with The AND Is IT".split()
SEPARATORS = [" ", " ", " ", ", ", ". ", "-", "'", "/", " (", ") ", ": ", "; ", " \u2014 ", "\n", "\t", "'s ", "s' ", "_", "...", " & ",
              "\u00a0", "\u3000", "!?", "\"", "+", "=", "#", "@", "~"]
OTHER_TOKENS = """7 42 1990s 3.5 10% COVID-19 IL-6 p<0.05 x y z I A U.S. e.g. i.e. naïve Naïve NAÏVE Straße STRASSE ẞ ΟΔΟΣ
Σοφία ΣΟΦΙΑΣ москва МОСКВА 東京 日本語 한국어 ½ ²³ ⅩⅡ ﬁnance ǅemal Ǆ ı café CAFÉ résumé œuvre ÆON ß""".split()


def assemble_texts(rng, words):
    texts = []
    pool = words + STOP_WORDS_MIXED * 20 + OTHER_TOKENS * 5
    for _ in range(400):
        parts = []
        for _ in range(rng.randint(0, 30)):
            w = rng.choice(pool)
            r = rng.random()
            if r < 0.15:
                w = w.capitalize()
            elif r < 0.2:
                w = w.upper()
            parts.append(w)
            parts.append(rng.choice(SEPARATORS))
        texts.append("".join(parts).strip())
    texts += ["", "   ", "a", "The", "don't", "can't-won't", "x_y", "__init__", "9", "99", "Σ", "ΑΣ", "ΑΣ.Β", "ΑΣ'Β"]
    return texts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--analyzer-out", default=str(DEFAULT_ANALYZER_OUT))
    args = parser.parse_args()

    stemmer = Stemmer.Stemmer("english")
    words = assemble_words()
    for w in words:
        assert "\t" not in w and "\n" not in w
    stems = stemmer.stemWords(words)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    import importlib.metadata as md

    version = md.version("pystemmer")
    with out.open("w", encoding="utf-8", newline="\n") as f:
        f.write(f"# word<TAB>stem from PyStemmer {version} Stemmer('english'); made by Scripts/make_stemmer_fixture.py\n")
        for w, s in zip(words, stems):
            f.write(f"{w}\t{s}\n")
    changed = sum(1 for w, s in zip(words, stems) if w != s)
    print(f"wrote {len(words)} words ({changed} changed by stemming) to {out}")

    import json
    import os

    os.environ.setdefault("DISABLE_TQDM", "1")
    import bm25s

    texts = assemble_texts(random.Random(SEED + 1), words)
    terms = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)
    analyzer_out = Path(args.analyzer_out)
    with analyzer_out.open("w", encoding="utf-8", newline="\n") as f:
        for text, t in zip(texts, terms):
            f.write(json.dumps({"text": text, "terms": t}, ensure_ascii=True) + "\n")
    print(f"wrote {len(texts)} texts ({sum(map(len, terms))} terms, bm25s {bm25s.__version__}) to {analyzer_out}")


if __name__ == "__main__":
    main()
