"""Confidence: how sure are the models? Histograms of top-1 confidence and bootstrap sample means."""

from __future__ import annotations

import streamlit as st

from core.analysis import aggregates, analytics, labels
from core.analysis.charts import bootstrap_spec, score_histogram_spec
from dashboard import objects, state, widgets
from dashboard.scope import analysis_scope
from dashboard.shell import ensure_shell
from dashboard.text import plain

ensure_shell()

st.title("Confidence")
st.caption("How sure the models are about each frame's top label. The source study found a mean top-1 confidence of about 0.42 on its videos.")

scope = analysis_scope(choose_model=False)
if scope is None:
    st.stop()

with st.expander("Settings", icon=":material/tune:"):
    c1, c2, c3, c4 = st.columns(4)
    sample_size = c1.number_input("Sample size (frames)", min_value=1, max_value=10_000, value=30, help="Frames drawn, with replacement, for each sample.")
    draws = c2.number_input("Number of samples", min_value=10, max_value=20_000, value=1000, step=100)
    seed = c3.number_input("Random seed", min_value=0, value=0, help="The same seed gives the same numbers.")
    ood = c4.number_input(
        "Out-of-domain threshold",
        min_value=0.0,
        max_value=1.0,
        value=analytics.DEFAULT_OOD_THRESHOLD,
        step=0.05,
        help="Runs whose mean top-1 confidence is below this are flagged.",
    )

if (int(sample_size), int(draws), int(seed)) == (aggregates.BOOTSTRAP["sample_size"], aggregates.BOOTSTRAP["draws"], aggregates.BOOTSTRAP["seed"]):
    table = analytics.confidence_from_summary(scope.summary, float(ood))  # stored with each run: no frames read
else:
    with st.spinner("Resampling every video's frames…"):
        table = analytics.confidence_table(scope.top1, int(sample_size), int(draws), int(seed), float(ood))
titles = dict(zip(scope.videos["video_id"], scope.videos["title"]))
flagged = table[table["out_of_domain"]]
if not flagged.empty:
    names = ", ".join(f"{plain(titles[r.video_id])} ({labels.model_name(r.model)}, {labels.confidence(r.mean_top1)})" for r in flagged.itertuples())
    st.warning(
        f"**Likely out of domain:** {names}. The mean top-1 confidence is below {ood:g}, which usually means the video shows "
        "things the 1000 ImageNet classes do not cover well (cartoons, text, people on stage). Read their labels as loose associations, not facts.",
        icon=":material/report:",
    )

st.subheader("Summary")
widgets.table(
    table.assign(title=table["video_id"].map(titles)),
    ["title", "model", "frames", "mean_top1", "mean_of_sample_means", "ci_low", "ci_high", "out_of_domain"],
)
widgets.download_csv(table, "confidence.csv")

vid = state.url_choice(st.selectbox, "Distributions for", list(scope.runs), state.QP_VIDEO, format_func=titles.get)
chosen = scope.run_top1(vid)
columns = st.columns(len(scope.models))
for column, model in zip(columns, scope.models):
    scores = chosen[chosen["model"] == model]["score"]
    if scores.empty:
        column.caption(f"{labels.model_name(model)}: not in this run.")
        continue
    boot = analytics.bootstrap_means(scores.to_numpy(), int(sample_size), int(draws), int(seed))
    with column:
        st.markdown(f"**{labels.model_name(model)}** · {labels.count(len(scores))} frames · mean top-1 **{labels.confidence(scores.mean())}**")
        figures = {
            f"confidence_{vid}_{model}": (score_histogram_spec, (scores, "Top-1 confidence per frame")),
            f"bootstrap_{vid}_{model}": (
                bootstrap_spec,
                (boot.sample_means, boot.mean_of_means, boot.sd, (boot.ci_low, boot.ci_high), f"{int(draws):,} sample means (n = {int(sample_size)})"),
            ),
        }
        for name, (build, args) in figures.items():
            try:
                widgets.vega_chart(build(*args), name)  # Vega-Lite: a plotly chart costs the browser ~1.5 s more
            except analytics.AnalysisUnavailable as err:  # too little spread for a chart: say why instead
                st.info(str(err), icon=":material/info:")
        st.caption(
            f"Mean of sample means {labels.confidence(boot.mean_of_means)} · 95% interval {labels.confidence(boot.ci_low)}–{labels.confidence(boot.ci_high)}"
        )
objects.scores_section(scope, vid)
