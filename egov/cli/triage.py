"""`egov triage train [--csv FILE] [--from-decisions] [--out DIR]` and `egov triage evaluate
FILE [--json] [--threshold X] [--model DIR]`: a new model version from labelled requests (and
from the cases clerks routed), and the figures of a model on labelled requests it never saw
(docs/triage.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from egov.cli import common
from egov.clock import utcnow
from egov.triage import dataset
from egov.triage.evaluation import evaluate, table

_FILE = click.Path(path_type=Path, dir_okay=False)
_DIR = click.Path(path_type=Path, file_okay=False)


@click.group("triage")
def triage() -> None:
    """The triage model: train a new version, evaluate one on labelled requests."""


@triage.command("train")
@click.option("--csv", "csv_file", type=_FILE, help="CSV id,text,org_unit.")
@click.option(
    "--from-decisions",
    is_flag=True,
    help="Also the cases clerks routed: the unit they confirmed or chose is the label.",
)
@click.option("--out", type=_DIR, help="Parent folder of the versions (EGOV_DATA_DIR/triage).")
def train(csv_file: Path | None, from_decisions: bool, out: Path | None) -> None:
    """Train a new model version from a CSV FILE and/or the clerks' decisions; prints where
    it is and its CV figures."""
    from egov.triage import artifact, training  # scikit-learn: loaded only when needed

    if csv_file is None and not from_decisions:
        raise click.UsageError("--csv FILE oder --from-decisions angeben (oder beides).")
    rows = [(r.text, r.org_unit) for r in dataset.read_csv(csv_file)] if csv_file else []
    if from_decisions:
        with common.container() as wired:
            decided = list(wired.triage.training_rows())
        click.echo(f"{len(decided)} entschiedene Vorgänge als Trainingszeilen")
        rows += decided
    digest = dataset.sha256_of(csv_file) if csv_file and not from_decisions else None
    trained = training.train(rows, utcnow(), digest)  # else: the hash of the rows themselves
    parent = out or common.settings().data_dir / "triage"
    written = artifact.save(trained, parent)
    click.echo(f"Modell {trained.meta.version} in {written}")
    click.echo(f"Schwelle (Kreuzvalidierung): {trained.meta.threshold:.2f}")
    metrics = trained.meta.cv_metrics
    click.echo(
        f"Kreuzvalidiert ({metrics['folds']} Teile): Genauigkeit {metrics['accuracy_at_threshold']}"
        f", Abdeckung {metrics['coverage']}, Makro-F1 {metrics['macro_f1']}, ECE {metrics['ece']}"
    )
    click.echo(f"Verwenden mit EGOV_TRIAGE_MODEL_DIR={written}")


@triage.command("evaluate")
@click.argument("csv_file", type=_FILE)
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option("--threshold", type=click.FloatRange(0, 1), help="Instead of the model's own.")
@click.option("--model", type=_DIR, help="Artifact folder (EGOV_TRIAGE_MODEL_DIR or shipped).")
def evaluate_command(
    csv_file: Path, as_json: bool, threshold: float | None, model: Path | None
) -> None:
    """Figures of the model on CSV FILE (id,text,org_unit) at its default threshold."""
    from egov.triage import artifact, training
    from egov.triage.plugins.local_model import model_dir

    rows = dataset.read_csv(csv_file)
    loaded = artifact.load(model or model_dir(common.settings()))
    predictions = training.predict(loaded.pipeline, [(r.text, r.org_unit) for r in rows])
    report = evaluate(predictions, loaded.meta.threshold if threshold is None else threshold)
    if as_json:
        document = {**report.as_json(), "model_version": loaded.meta.version}
        click.echo(json.dumps(document, ensure_ascii=False))
    else:
        click.echo(f"Modell {loaded.meta.version}")
        click.echo(table(report))


COMMANDS = (triage,)
