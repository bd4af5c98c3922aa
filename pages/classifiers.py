"""Classifiers: build a training set (upload, or label frames), train as a job, and inspect the results."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from core.analysis import charts
from core.analysis import labels as vocab
from core.errors import TrainingSetError
from core.inference import BACKBONES
from core.screentime import classifier as screen_classifier
from core.screentime import trainingset
from dashboard import data, state, widgets
from dashboard.shell import ensure_shell
from dashboard.text import plain

ensure_shell()

st.title("Screen-time classifiers")
st.caption(
    "Teach Reelsight your characters: label some frames, train a classifier on a frozen ImageNet network "
    "(VGG16 as in the Tom & Jerry tutorial, ResNet50 or InceptionV3), then measure screen time on the **Screen time** page."
)
state.show_flash(state.CLASSIFIERS_FLASH)

SOURCES = {
    "mapping": "Mapping CSV + images (ZIP)",
    "folders": "ZIP with one folder per class",
    "frames": "Frames I labelled here",
}


def _saved(upload: st.runtime.uploaded_file_manager.UploadedFile, folder: Path) -> Path:
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return path


def _class_names(mapping_bytes: bytes, name: str) -> dict[int, str] | None:
    """An editable table of the class ids found in the CSV; returns id → name."""
    try:
        rows = trainingset.read_mapping(mapping_bytes.decode("utf-8-sig", errors="replace"), name)
    except TrainingSetError as err:
        widgets.show_error(err)
        return None
    ids = sorted({int(c) for _, _, c in rows if c.lstrip("-").isdigit()})
    defaults = {0: "neither"} if 0 in ids and len(ids) > 2 else {}
    table = pd.DataFrame({"class_id": ids, "name": [defaults.get(i, str(i)) for i in ids]})
    st.caption("Name the classes (the Tom & Jerry mapping uses 0 = neither, 1 = Jerry, 2 = Tom).")
    edited = st.data_editor(
        table,
        hide_index=True,
        disabled=["class_id"],
        key="classifiers.names",
        width=360,
        column_config={"class_id": st.column_config.NumberColumn(vocab.column("class_id"), format="%d"), "name": vocab.column("name")},
    )
    names = {int(r["class_id"]): str(r["name"]).strip() or str(r["class_id"]) for _, r in edited.iterrows()}
    if len(set(names.values())) < len(names):
        st.error("Two classes have the same name; give each class its own name.", icon=":material/error:")
        return None
    return names


def train_form() -> None:
    st.subheader("Train a classifier")
    source = st.segmented_control("Training images", list(SOURCES), format_func=SOURCES.get, default="mapping", key="classifiers.source", required=True)
    classes, mapping, images, folders, frame_set = None, None, None, None, None
    if source == "mapping":
        left, right = st.columns(2)
        mapping = left.file_uploader("Mapping CSV (Image_ID,Class)", type=["csv"], key="classifiers.mapping")
        images = right.file_uploader("Images (ZIP of the frames the CSV names)", type=["zip"], key="classifiers.images")
        if mapping is not None:
            classes = _class_names(mapping.getvalue(), mapping.name)
        drop = st.checkbox(
            "Drop images labelled twice with different classes",
            value=True,
            key="classifiers.drop",
            help="Otherwise such rows stop the training with an error naming them.",
        )
    elif source == "folders":
        folders = st.file_uploader(
            "ZIP with one sub-folder of images per class (the folder names become the class names)", type=["zip"], key="classifiers.folders"
        )
    else:
        sets = data.labelsets(data.db_key(), "frames")
        if not sets:
            st.info("No labelled frames yet. Label frames of an analysed video below, then train on them here.", icon=":material/info:")
            return
        frame_set = st.selectbox(
            "Labelled frames",
            sets,
            format_func=lambda d: f"{d['name']} · {sum(d['counts'].values())} frames · {', '.join(f'{k} {v}' for k, v in d['counts'].items())}",
            key="classifiers.frame_set",
        )

    with st.form("classifiers.train"):
        name = st.text_input("Classifier name", placeholder="tom-and-jerry", help="Training again under the same name adds a new version.")
        c1, c2, c3 = st.columns(3)
        backbone = c1.selectbox(
            "Backbone", list(BACKBONES), format_func=vocab.model_name, help="Frozen ImageNet network whose pooled features feed the classifier."
        )
        epochs = c2.number_input("Epochs", 1, 1000, 40, help="The epoch with the lowest validation loss is kept.")
        val_fraction = c3.slider("Validation share", 0.1, 0.5, 0.3, 0.05, help="Held out from each class (stratified).")
        with st.expander("Advanced"):
            a1, a2 = st.columns(2)
            size = a1.number_input(
                "Image size (px, 0 = the backbone's own)", 0, 512, 0, help="224 for VGG16 and ResNet50, 299 for InceptionV3. Smaller trains faster."
            )
            fine_tune = a2.number_input(
                "Fine-tune the top block for … epochs", 0, 100, 0, help="After the head has trained, as the lecture does. Slow without a GPU."
            )
        submitted = st.form_submit_button("Check and train", type="primary", icon=":material/model_training:")
    if not submitted:
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def build() -> tuple[trainingset.TrainingSet | None, str]:
            """Validate and store the training set, then queue the job: ``(set, job id)``."""
            settings = screen_classifier.TrainSettings(
                backbone=backbone, epochs=int(epochs), val_fraction=float(val_fraction), image_size=int(size) or None, fine_tune_epochs=int(fine_tune)
            )
            screen_classifier.check_name(name)
            limits = trainingset.Limits.from_settings(data.settings())
            ts = None
            if source == "mapping":
                if mapping is None or images is None:
                    raise TrainingSetError("Upload both the mapping CSV and the ZIP of images.")
                ts = trainingset.from_mapping(
                    _saved(mapping, folder), _saved(images, folder), classes, drop_conflicts=drop, workdir=folder / "images", limits=limits
                )
            elif source == "folders":
                if folders is None:
                    raise TrainingSetError("Upload a ZIP with one folder of images per class.")
                ts = trainingset.from_folders(_saved(folders, folder), workdir=folder / "images", limits=limits)
            set_id = trainingset.save(data.store(), ts, name.strip()) if ts is not None else frame_set["_id"]
            return ts, screen_classifier.request_training(data.store(), set_id, name, settings)

        with st.spinner("Checking the training images…"):
            built = widgets.guarded(build)
    if built is not None:
        ts, st.session_state[state.CLASSIFIERS_JOB] = built
        counts = f" on {', '.join(f'{plain(k)} {v}' for k, v in ts.counts().items())}" if ts is not None else ""
        notes = "".join(f"\n\n{plain(n)}" for n in (ts.notes if ts is not None else []))
        state.flash(state.CLASSIFIERS_FLASH, "success", f"Training of **{plain(name)}** queued{counts}. Follow it below or on the Jobs page.{notes}")
        data.labelsets.clear()
        st.rerun()


@st.fragment(run_every=2)
def training_progress() -> None:
    job_id = st.session_state.get(state.CLASSIFIERS_JOB)
    job = data.job(job_id) if job_id else None
    if widgets.job_progress(job, f"Training {plain(job['params']['name'])}" if job else "") == "done":
        del st.session_state[state.CLASSIFIERS_JOB]
        st.rerun()


def label_frames() -> None:
    st.subheader("Label frames of an analysed video")
    runs = data.runs(data.db_key())
    finished = runs[runs["state"] == "done"] if len(runs) else runs
    if not len(finished):
        st.info("Analyse a video first (Videos page); its sampled frames can then be labelled here.", icon=":material/info:")
        return
    videos = data.videos(data.db_key())
    titles = dict(zip(videos["video_id"], videos["title"]))
    run = st.selectbox(
        "Frames of",
        finished.to_dict("records"),
        format_func=lambda r: f"{titles.get(r['video_id'], r['video_id'])} · run {r['run_id']} · {vocab.count(r['frames'])} frames",
        key="classifiers.label_run",
    )
    names_text = st.text_input("Classes, comma-separated", value="neither, Jerry, Tom", key="classifiers.label_classes")
    names = list(dict.fromkeys(n.strip() for n in names_text.split(",") if n.strip()))
    frame_rows = data.frame_table(data.db_key(), run["run_id"], run["models"].split(",")[0], int(run["frames"]))
    every = st.number_input("Show every n-th frame", 1, 1000, max(1, len(frame_rows) // 200), key="classifiers.label_every")
    shown = frame_rows.iloc[:: int(every)][["frame", "time_s"]].reset_index(drop=True)
    thumbs = data.thumbnails(data.db_key(), run["run_id"], tuple(shown["frame"]))
    shown.insert(0, "thumbnail", shown["frame"].map(thumbs))
    shown["class"] = None
    edited = st.data_editor(
        shown,
        hide_index=True,
        disabled=["thumbnail", "frame", "time_s"],
        column_config={
            "thumbnail": st.column_config.ImageColumn(vocab.column("thumbnail"), width="small"),
            "frame": st.column_config.NumberColumn(vocab.column("frame"), format=widgets.TABLE_FORMATS[vocab.kind("frame")]),
            "time_s": st.column_config.NumberColumn(vocab.column("time_s"), format=widgets.TABLE_FORMATS[vocab.kind("time_s")]),
            "class": st.column_config.SelectboxColumn(vocab.column("class"), options=names, help="Leave empty to skip a frame."),
        },
        row_height=70,
        height=480,
        key=f"classifiers.labels.{run['run_id']}.{every}",
    )
    labelled = edited.dropna(subset=["class"])
    set_name = st.text_input("Save the labels as", value=f"{titles.get(run['video_id'], run['video_id'])} labels", key="classifiers.label_name")
    if st.button(f"Save {len(labelled)} labelled frames as a training set", disabled=labelled.empty, icon=":material/save:"):
        classes = dict(enumerate(names))
        ids = {n: i for i, n in classes.items()}

        def save() -> None:
            ts = trainingset.from_frame_labels([(run["video_id"], int(f), ids[c]) for f, c in zip(labelled["frame"], labelled["class"])], classes)
            trainingset.save(data.store(), ts, set_name.strip() or "labelled frames")

        if widgets.succeeded(save):
            data.labelsets.clear()
            state.flash(state.CLASSIFIERS_FLASH, "success", f"Saved {len(labelled)} labelled frames. Choose **{SOURCES['frames']}** above to train on them.")
            st.rerun()


def classifier_details() -> None:
    st.subheader("Trained classifiers")
    docs = data.classifiers(data.db_key())
    if not docs:
        st.info("No classifier yet. Train one above: the Tom & Jerry tutorial's 298 labelled frames take about a minute on a CPU.", icon=":material/info:")
        return
    table = pd.DataFrame(
        [
            {
                "classifier": f"{d['name']} v{d['version']}",
                "backbone": d["settings"]["backbone"],
                "classes": ", ".join(c["name"] for c in d["classes"]),
                "val_accuracy": d["metrics"]["val_accuracy"],
                "best_epoch": d["metrics"]["best_epoch"],
                "images": f"{vocab.count(d['metrics']['n_train'])} / {vocab.count(d['metrics']['n_val'])}",
                "weights": "none" if d.get("random_weights") else d.get("weights"),
                "trained_at": d["created_at"],
            }
            for d in docs
        ]
    )
    widgets.table(
        table,
        config={
            "val_accuracy": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
            "trained_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
    chosen = state.url_choice(
        st.selectbox, "Details of", [d["_id"] for d in docs], state.QP_CLASSIFIER, format_func={d["_id"]: f"{d['name']} v{d['version']}" for d in docs}.get
    )
    doc = data.classifier(data.db_key(), chosen)
    if doc.get("random_weights"):
        st.warning(
            "**Random weights.** This classifier was built on an untrained backbone (random weights), so its accuracy says nothing about real use.",
            icon=":material/science:",
        )
        st.caption("Why, and how to get a real classifier", help=widgets.RANDOM_WEIGHTS_HELP)
    metrics = doc["metrics"]
    names = [c["name"] for c in doc["classes"]]
    m1, m2, m3 = st.columns(3)
    m1.metric("Validation accuracy", vocab.percent(metrics["val_accuracy"]), help=f"On {vocab.count(metrics['n_val'])} held-out images, at the best epoch.")
    m2.metric("Best epoch", vocab.count(metrics["best_epoch"]), help="Lowest validation loss; its weights were kept.")
    m3.metric(
        "Training images",
        vocab.count(metrics["n_train"]),
        help="Class weights: " + ", ".join(f"{plain(k)} {v:.2f}" for k, v in metrics["class_weights"].items()),
    )
    left, right = st.columns(2)
    with left:
        widgets.chart(charts.confusion_heatmap(metrics["confusion"], names, "Validation confusion matrix"), f"confusion_{doc['name']}_v{doc['version']}")
    with right:
        per_class = pd.DataFrame(metrics["per_class"])
        widgets.table(per_class)
        widgets.download_csv(per_class, f"classifier_{doc['name']}_v{doc['version']}_per_class.csv")
    history = pd.DataFrame(metrics["history"])
    c1, c2 = st.columns(2)
    with c1:
        widgets.chart(charts.training_curves(history, "loss", "Loss per epoch", metrics["best_epoch"]), f"loss_{doc['name']}_v{doc['version']}")
    with c2:
        widgets.chart(charts.training_curves(history, "accuracy", "Accuracy per epoch", metrics["best_epoch"]), f"accuracy_{doc['name']}_v{doc['version']}")
    training = doc.get("training_set") or {}
    for note in training.get("notes", []):
        st.caption(f":material/info: {plain(note)}")


train_form()
training_progress()
st.divider()
classifier_details()
st.divider()
label_frames()
