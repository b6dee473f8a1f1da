"""Train the Rasa model only when its inputs changed.

The fingerprint is a hash of everything that shapes the model: config, domain, training
data, our NLU components and the Rasa lock. Trained models are kept in a cache directory
keyed on that hash, so a fresh clone on the same machine (CI) copies the model instead of
training again. `--force` trains regardless.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.training import component_seconds  # noqa: E402  (standard library only)
INPUTS = ["config.yml", "domain", "data", "bot/nlu", "bot/normalize.py",
          "bot/time_resolution.py", "bot/resources/intake_cues.yml", "requirements/rasa.lock"]
CACHE = Path(os.environ.get("CLAIMS_MODEL_CACHE",
                            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                            / "claim-assistant" / "models"))


def fingerprint() -> str:
    digest = hashlib.sha256()
    for item in INPUTS:
        path = ROOT / item
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path(models_dir: Path, fp: str) -> Path:
    return models_dir / f"claims-{fp}.tar.gz"


def training_record(model: Path) -> Path:
    """How long the model took to train, and which component took it (`make bench`)."""
    return model.with_name(model.name[: -len(".tar.gz")] + ".training.json")


def train(target: Path, models_dir: Path) -> str:
    """`rasa train`, its output shown as it comes and returned for the record."""
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "rasa"), "train", "--domain", "domain",
         "--data", "data", "--config", "config.yml", "--fixed-model-name",
         target.name[: -len(".tar.gz")], "--out", str(models_dir)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"})
    lines = []
    for line in process.stdout:  # type: ignore[union-attr]
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
        lines.append(line.decode("utf-8", "replace"))
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, "rasa train")
    return "".join(lines)


def ensure_model(models_dir: Path, force: bool = False) -> Path:
    fp = fingerprint()
    target = model_path(models_dir, fp)
    cached = CACHE / target.name
    models_dir.mkdir(parents=True, exist_ok=True)
    if target.exists() and not force:
        print(f">> model up to date: {target.relative_to(ROOT)}")
    elif cached.exists() and not force:
        shutil.copy2(cached, target)
        print(f">> model restored from cache: {target.relative_to(ROOT)}")
    else:
        print(f">> training model {target.name} (inputs changed)")
        started = time.time()
        log = train(target, models_dir)
        elapsed = time.time() - started
        print(f">> trained in {elapsed:.0f} s")
        (models_dir / "last_training_seconds.txt").write_text(f"{elapsed:.1f}\n")
        record = training_record(target)
        record.write_text(json.dumps({"seconds": round(elapsed, 1), "force": force,
                                      "components": component_seconds(log)}, indent=1))
        CACHE.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, cached)
        shutil.copy2(record, CACHE / record.name)
    if not training_record(target).exists() and (CACHE / training_record(target).name).exists():
        shutil.copy2(CACHE / training_record(target).name, training_record(target))
    os.utime(target)  # Rasa serves the newest model in models/
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--models", default=str(ROOT / "models"))
    parser.add_argument("--print-path", action="store_true")
    args = parser.parse_args()
    path = ensure_model(Path(args.models), force=args.force)
    if args.print_path:
        print(path)
