"""YouTube-8M: import video-level features, browse a category, train a multi-label model, read its evaluation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.analysis import charts
from core.analysis import labels as vocab
from core.errors import ReelsightError
from core.exports import to_csv
from core.yt8m import dataset as yt8m
from core.yt8m import evaluation
from core.yt8m import train as yt8m_train
from dashboard import data, state, widgets
from dashboard.shell import ensure_shell
from dashboard.text import plain

ensure_shell()

st.title("YouTube-8M")
st.caption(
    "Multi-label classification of YouTube-8M's precomputed video-level features (mean RGB and audio embeddings). "
    "Import TFRecords with their vocabulary, browse a category, train a model and read its benchmark metrics."
)
state.show_flash(state.YT8M_FLASH)


def import_form() -> None:
    with st.form("yt8m.import"):
        records = st.file_uploader("TFRecord files", type=["tfrecord"], accept_multiple_files=True, key="yt8m.records")
        location = st.text_input("…or a folder or glob on the worker's machine", placeholder="/data/yt8m/train*.tfrecord")
        vocabulary = st.file_uploader("vocabulary.csv", type=["csv"], key="yt8m.vocabulary")
        submitted = st.form_submit_button("Import", type="primary", icon=":material/upload:")
    if not submitted:
        return

    def queue() -> str:
        if vocabulary is None:
            raise ReelsightError("Upload the vocabulary.csv that comes with the records.")
        if not records and not location.strip():
            raise ReelsightError("Upload TFRecord files, or name a folder or glob on the worker's machine.")
        files, vocab_path = yt8m.save_uploads(data.settings().data_dir, [(r.name, r.getvalue()) for r in records or []], vocabulary.getvalue())
        return yt8m.request_import(data.store(), files or location.strip(), vocab_path, name=None if records else location.strip())[0]

    dataset_id = widgets.guarded(queue)
    if dataset_id:
        state.show_new(state.QP_DATASET, dataset_id, state.YT8M_FLASH, "Import queued. The counts appear when the worker has read the records.")


@st.fragment(run_every=2)
def pending(job_id: str | None) -> None:
    if widgets.job_progress(data.job(job_id) if job_id else None, "Import") == "done":
        st.rerun()


def overview(dataset: dict) -> None:
    stats = dataset["stats"]
    table = yt8m.counts_table(dataset)
    per_video = pd.DataFrame({"labels": [int(k) for k in stats["labels_per_video"]], "videos": list(stats["labels_per_video"].values())})
    c1, c2, c3 = st.columns(3)
    c1.metric("Videos", vocab.count(stats["n_videos"]))
    c2.metric("Distinct labels", vocab.count(len(table)))
    c3.metric("Labels per video", f"{(per_video['labels'] * per_video['videos']).sum() / max(stats['n_videos'], 1):.2f}", help="mean")
    unknown = stats["unknown"]
    if unknown["records"]:
        st.warning(
            f"{vocab.count(unknown['records'])} record(s) use label indices that {plain(dataset.get('vocabulary_file', 'the vocabulary'))} does not know: {plain(', '.join(unknown['labels']))}. Training refuses such a dataset; import it with its own vocabulary.",
            icon=":material/warning:",
        )
    left, right = st.columns(2)
    with left:
        verticals = pd.DataFrame({"label": list(stats["vertical_counts"]), "videos": list(stats["vertical_counts"].values())})
        widgets.chart(charts.label_counts_bar(verticals, "Videos per vertical", count_col="videos", x_title="Videos"), f"yt8m_{dataset['_id']}_verticals")
    with right:
        widgets.chart(
            charts.label_counts_bar(table.rename(columns={"name": "label"}), "Most frequent labels", count_col="videos", x_title="Videos with this label"),
            f"yt8m_{dataset['_id']}_labels",
        )
    with st.expander("Labels per video and every label's count"):
        st.bar_chart(per_video, x="labels", y="videos", x_label="Labels on a video", y_label="Videos", height=220)
        widgets.table(table)
        widgets.download_csv(table, f"yt8m_{dataset['_id']}_label_counts.csv")


def browse(dataset: dict) -> str | None:
    known = dataset["vocabulary"]
    present = {int(k) for k in dataset["stats"]["label_counts"]}
    names = dict(zip(known["index"], known["name"]))
    options = sorted({v for i, v in zip(known["index"], known["vertical"]) if i in present and v}) + sorted({names[i] for i in present if i in names})
    category = st.selectbox("Filter by label or vertical", options, index=None, placeholder="e.g. Cooking, or Food & Drink", key="yt8m.category")
    if not category:
        return None
    result = widgets.guarded(lambda: yt8m.filter_videos(data.store(), dataset, category))
    if result is None:
        return None
    total, videos = result
    listed = f"; the first {vocab.count(len(videos))} are listed" if total > len(videos) else ""
    st.caption(f"{vocab.count(total)} video{'s' if total != 1 else ''} with {plain(category)}{listed}")
    widgets.table(videos, height=min(400, 38 + 35 * len(videos)))
    return category


def train_form(dataset: dict, category: str | None, datasets: list[dict]) -> None:
    others = {d["_id"]: d for d in datasets if d["_id"] != dataset["_id"] and d.get("stats")}

    def test_label(option: str | None) -> str:
        if option is None:
            return "A test split of this dataset (the share left after training and validation)"
        other = others[option]
        files = ", ".join(Path(p).name for p in other["records"][:3]) + ("…" if len(other["records"]) > 3 else "")
        return f"{other['name']} · {files} · {vocab.count(other['stats']['n_videos'])} videos"

    with st.form("yt8m.train"):
        c1, c2, c3, c4 = st.columns(4)
        features = c1.multiselect(
            "Features", ["rgb", "audio"], default=["rgb", "audio"], format_func=vocab.feature, help="Concatenated when both are chosen (1,024 + 128 values)."
        )
        hidden = c2.number_input("Hidden units", 1, 16384, 1024)
        epochs = c3.number_input("Epochs", 1, 1000, 10)
        batch = c4.number_input("Batch size", 1, 8192, 64)
        c1, c2, c3, c4 = st.columns(4)
        rate = c1.number_input("Learning rate", 1e-6, 1.0, 1e-3, format="%.4f")
        train_share = c2.slider("Training share", 0.4, 0.9, 0.7, 0.05)
        val_share = c3.slider("Validation share", 0.0, 0.3, 0.15, 0.05, help="The rest is the test split, or trains too when another dataset is the test set.")
        top_n = c4.number_input("Only the N most frequent labels (0 = all)", 0, 3862, 0)
        only_filtered = st.checkbox(
            f"Train only on videos with {plain(category)}" if category else "Train only on the filtered videos (choose a filter above)",
            value=bool(category),
            disabled=not category,
        )
        test_dataset = st.selectbox(
            "Test on",
            [None, *others],
            format_func=test_label,
            key="yt8m.test_dataset",
            help="A held-out dataset (e.g. a second validation TFRecord, imported above) gives an evaluation on videos from another file.",
        )
        submitted = st.form_submit_button("Train", type="primary", icon=":material/model_training:")
    if not submitted:
        return

    def queue() -> str:
        settings = yt8m_train.YT8MSettings(
            features=tuple(features), hidden=int(hidden), epochs=int(epochs), batch_size=int(batch), learning_rate=float(rate),
            split=(train_share, val_share, round(1 - train_share - val_share, 6)), category=category if only_filtered else None, top_n=int(top_n) or None,
            test_dataset=test_dataset,
        )  # fmt: skip
        return yt8m_train.request_training(data.store(), dataset["_id"], settings)

    if widgets.guarded(queue):
        state.flash(state.YT8M_FLASH, "success", "Training queued. Follow it on the Jobs page; the evaluation appears below when it is done.")
        st.rerun()


def _score(value: float | None) -> str:
    return vocab.number(value, 3)


def _classes(n: int) -> str:
    return f"{vocab.count(n)} class{'es' if n != 1 else ''}"


def evaluation_section(dataset: dict) -> None:
    models = data.yt8m_models(data.db_key(), dataset["_id"])
    if not models:
        st.info("No model trained on this dataset yet.", icon=":material/info:")
        return
    labels = {
        m[
            "_id"
        ]: f"{m['name']} · {', '.join(map(vocab.feature, m['settings']['features']))} · {m['settings']['epochs']} epochs · {m['created_at']:%Y-%m-%d %H:%M}"
        for m in models
    }
    model_id = state.url_choice(st.selectbox, "Model", list(labels), state.QP_YT8M_MODEL, format_func=labels.get)
    doc = next(m for m in models if m["_id"] == model_id)
    m = evaluation.readings(doc)
    st.caption(f"**Test set:** {plain(evaluation.test_set_text(m['test_set']))}")
    if m["small_test_warning"]:
        st.warning(m["small_test_warning"], icon=":material/warning:")
    defs = evaluation.DEFINITIONS
    cols = st.columns(5)
    cols[0].metric("mAP", _score(m["map"]), help=defs["map"])
    cols[1].metric("GAP@20", _score(m["gap"]), help=defs["gap"])
    cols[2].metric("Hit@1", _score(m["hit_at_1"]), help=defs["hit_at_1"])
    cols[3].metric("PERR", _score(m["perr"]), help=defs["perr"])
    cols[4].metric(
        "Test videos",
        vocab.count(m["n_test"]),
        help=f"{vocab.count(m['n_train'])} training and {vocab.count(m['n_val'])} validation videos; {_classes(m['n_classes'])}.",
    )
    if m["gap"] is None:
        st.info(
            "This model was trained before the official definitions were used: only its in-vocabulary figures are known. Train it again for the official ones."
        )
    else:
        unscored = m["n_test_labels_unscored"]
        st.caption(
            f"Official YouTube-8M definitions (google/youtube-8m eval_util.py): all {vocab.count(m['n_test_labels'])} labels of the test videos count"
            + (
                f", {vocab.count(unscored)} of them of {_classes(m['n_test_classes_unscored'])} the model was not trained on and cannot predict."
                if unscored
                else "."
            )
        )
    iv = m["in_vocabulary"]
    with st.expander("Second reading: in-vocabulary only (not the official figures)"):
        st.caption(defs["in_vocabulary"])
        c1, c2, c3 = st.columns(3)
        c1.metric("In-vocabulary mAP", _score(iv["map"]))
        c2.metric("In-vocabulary GAP@20", _score(iv["gap"]))
        c3.metric("In-vocabulary PERR", _score(iv["perr"]))
    with st.expander("How each number is defined"):
        terms = (("mAP", "map"), ("GAP@20", "gap"), ("Hit@1", "hit_at_1"), ("PERR", "perr"), ("In-vocabulary", "in_vocabulary"))
        st.markdown("\n".join(f"- **{term}**: {defs[key]}" for term, key in terms))
    test = data.yt8m_test(data.db_key(), model_id)
    threshold = st.slider("Threshold for precision, recall and F1", 0.05, 0.95, float(doc["settings"]["threshold"]), 0.05, key=f"yt8m.threshold.{model_id}")
    per_class = yt8m_train.per_class_at(test, doc, threshold)
    widgets.table(per_class, height=300)
    names = per_class["name"].tolist()
    by_support = per_class.sort_values("support", ascending=False)["name"].tolist()
    picked = st.multiselect("Curves for", names, default=by_support[:3], key=f"yt8m.curves.{model_id}")
    pr, roc = yt8m_train.class_curves(test, [names.index(n) for n in picked], picked)
    left, right = st.columns(2)
    with left:
        widgets.chart(charts.curves(pr, "recall", "precision", "Precision–recall", "Recall", "Precision"), f"yt8m_{model_id}_pr")
    with right:
        widgets.chart(charts.curves(roc, "fpr", "tpr", "ROC", "False positive rate", "True positive rate", diagonal=True), f"yt8m_{model_id}_roc")
    n = st.number_input(
        "Confusion among the N most frequent classes", 2, min(30, max(2, len(names))), min(8, max(2, len(names))), key=f"yt8m.confusion.{model_id}"
    )
    matrix, positions = yt8m_train.frequent_confusion(test, int(n))
    widgets.chart(
        charts.confusion_heatmap(matrix.tolist(), [names[p] for p in positions], "True label × best-scored label among these classes"),
        f"yt8m_{model_id}_confusion",
    )
    d1, d2, d3, d4 = st.columns(4)
    d1.download_button("metrics.json", yt8m_train.metrics_json(doc), file_name="metrics.json", mime="application/json", icon=":material/download:")
    with d2:
        widgets.download_csv(per_class, "per_class.csv", "per_class.csv")
    d3.download_button(
        "predictions.csv",
        lambda: to_csv(yt8m_train.predictions_table(data.store(), doc)),
        file_name="predictions.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    d4.download_button(
        "Model (.keras)", lambda: yt8m_train.model_bytes(data.store(), doc), file_name="yt8m_model.keras", icon=":material/download:", on_click="ignore"
    )


datasets = data.yt8m_datasets(data.db_key())
with st.expander("Import records", expanded=not datasets, icon=":material/upload:"):
    import_form()
if not datasets:
    st.info("No dataset yet. Import TFRecord files of video-level features with their vocabulary.csv above.", icon=":material/info:")
    st.stop()
names = {d["_id"]: f"{d['name']} · " + (f"{vocab.count(d['stats']['n_videos'])} videos" if d.get("stats") else "importing…") for d in datasets}
dataset_id = state.url_choice(st.selectbox, "Dataset", list(names), state.QP_DATASET, format_func=names.get)
dataset = next(d for d in datasets if d["_id"] == dataset_id)
if not dataset.get("stats"):
    pending(dataset.get("job_id"))
    st.stop()
overview(dataset)
st.subheader("Browse")
category = browse(dataset)
st.subheader("Train a multi-label classifier")
train_form(dataset, category, datasets)
st.subheader("Evaluation")
evaluation_section(dataset)
