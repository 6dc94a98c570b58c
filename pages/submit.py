"""Step 5 — send the addresses, watch the migration run, look back at earlier ones."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from addrmig.akinon.connection import SANDBOX
from addrmig.akinon.flow import progress_figures, samples_frame
from addrmig.errors import AddrmigError, AkinonError, AlreadySubmitted
from pages._common import PAGES, akinon_client, history, need_file, number, plural, validate_frame, workspace

ws = workspace()
st.title("5. Send to Akinon")

POLL_SECONDS = 1.0


def chart(samples: pd.DataFrame) -> None:
    """Processed rows and errors over time."""
    if samples.empty:
        st.caption("No progress reading yet.")
        return
    long = samples.melt(id_vars=["time"], value_vars=["processed", "errors"], var_name="count", value_name="rows")
    st.altair_chart(
        alt.Chart(long).mark_line(point=True).encode(
            x=alt.X("time:T", title="Time", axis=alt.Axis(format="%H:%M:%S")), y=alt.Y("rows:Q", title="Rows"),
            color=alt.Color("count:N", title=None, scale=alt.Scale(domain=["processed", "errors"],
                                                                 range=["#2b8a3e", "#c92a2a"])),
            tooltip=[alt.Tooltip("time:T", format="%H:%M:%S"), "count", alt.Tooltip("rows:Q", format=",")],
        ).properties(height=260, title="Processed and errors over time"),
        width="stretch")


def show_progress(submission, samples: pd.DataFrame) -> None:
    """Progress bar, counts, speed and time left for one submission."""
    figures = progress_figures(submission, samples)
    st.progress(figures.share, text=figures.headline)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Processed", number(figures.processed) + f" of {number(figures.total)}" if figures.total else "—")
    c2.metric("Errors", number(figures.errors))
    c3.metric("Speed", f"{number(int(figures.speed))} rows/s" if figures.speed else "—")
    c4.metric("Time left", figures.eta)
    chart(samples)


@st.fragment(run_every=POLL_SECONDS)
def live_view() -> None:
    """Polls the server once per run; a slow or failing answer shows 'retrying', never blocks the page."""
    submission = ws.submission
    if submission is None:
        return
    store = history()
    submission = store.get(submission.id)
    if submission.status == "started":
        try:
            client = akinon_client(ws.connection, polling=True)
            progress = client.get_progress(submission.channel_id, submission.migration_id)
            submission = store.add_sample(submission.id, progress.processed, progress.errors, progress.total)
            st.session_state.pop("poll_problem", None)
        except AddrmigError as error:
            st.session_state["poll_problem"] = str(error)
    ws.submission = submission
    if st.session_state.get("poll_problem") and submission.status == "started":
        st.warning("The server did not answer this time; retrying every second. "
                   f"(It said: {st.session_state['poll_problem']})")
    show_progress(submission, samples_frame(store.samples(submission.id)))
    if submission.finished:
        if submission.errors:
            st.warning(f"Finished: {plural(submission.processed or 0, 'row')} processed, "
                       f"{number(submission.errors)} refused by the server.")
        else:
            st.success(f"Finished: {'the one row was' if submission.processed == 1 else 'all ' + plural(submission.processed or 0, 'row') + ' were'} taken. 🎉")
        if not st.session_state.get(f"announced_{submission.id}"):
            st.session_state[f"announced_{submission.id}"] = True
            st.rerun(scope="app")  # once, so the sidebar shows the finished state


if need_file(ws):
    report = ws.report(lambda frame: validate_frame(ws.content_key(), frame))
    resolution = ws.current_resolution()
    conn = ws.connection

    # ---------------------------------------------------------------- pre-flight
    # The same split as the Export page: rows with errors or unknown places are refused by Akinon.
    st.subheader("Before sending")
    placed = resolution if resolution is not None else ws.latest_resolution()
    probe = ws.export_split(report, placed)
    c1, c2, c3 = st.columns(3)
    c1.metric("Rows", number(ws.rows))
    c2.metric("Rows with errors", number(probe.error_rows))
    c3.metric("Rows with unknown places", "not checked" if probe.unknown_place_rows is None
              else number(probe.unknown_place_rows))
    refused = len(probe.later)
    only_good = False
    if refused:
        options = [f"Send only the {plural(len(probe.send), 'row')} that pass "
                   f"({plural(refused, 'row')} set apart — download them on the Export page)",
                   f"Send all {plural(ws.rows, 'row')} (Akinon will refuse {number(refused)} of them)"]
        only_good = st.radio("What to send", options, key="send_choice").startswith("Send only")
    split = probe if only_good else ws.export_split(report, placed, leave_out_errors=False,
                                                    leave_out_unknown_places=False)
    problems = []
    if split.send_error_rows:
        problems.append(f"{plural(split.send_error_rows, 'row')} still break Akinon's rules and will be refused")
    if probe.unknown_place_rows is None:
        problems.append("places were not matched against the location database")
    elif split.send_unknown_rows:
        problems.append(f"{plural(split.send_unknown_rows, 'row')} name a place the database does not know")
    if resolution is None and placed is not None:
        problems.append("places were matched before your latest edits")
    if problems:
        st.warning("Before you send: " + "; ".join(problems) + ".")
        lc, rc = st.columns(2)
        lc.page_link(PAGES["check"], label="Fix the rows", icon=":material/fact_check:")
        rc.page_link(PAGES["places"], label="Match the places", icon=":material/location_on:")
    anyway = st.checkbox("I know, send anyway", key="send_anyway") if problems else True
    if not len(split.send):
        st.info("No row passes yet, so there is nothing to send.")
        anyway = False

    where = "the built-in sandbox (practice)" if conn.mode == SANDBOX else f"{conn.url or '(no URL yet)'}, channel {conn.channel_id}"
    st.write(f"The addresses go to **{where}**. Change this in the sidebar.")

    active = ws.submission is not None and ws.submission.status == "started"
    ready = conn.ready and anyway and not active
    if not conn.ready:
        st.info("Fill in the Akinon URL, channel and token in the sidebar, or choose the sandbox.")

    def send(force: bool) -> None:
        frame = split.send
        try:
            with st.status("Sending…") as status:
                ws.submission = ws.send(akinon_client(conn), history(), frame, force=force)
                status.update(label=f"Sent {plural(len(frame), 'row')}; migration {ws.submission.migration_id}",
                              state="complete")
            st.session_state.pop("already", None)
        except AlreadySubmitted as error:
            st.session_state["already"] = (str(error), error.earlier)
        except AddrmigError as error:
            st.error(str(error))
            # Say plainly whether a migration may be running, so nobody resends a file that was taken.
            if isinstance(error, AkinonError) and error.may_have_started:
                st.warning("The migration **may have started** on the server. Do not send the file again: "
                           "check the migration list in Omnitron (or the earlier submissions below, marked "
                           "*uncertain*). Sending it again is refused until you choose to force it.")
            else:
                st.info("No migration was started: the server never took the file. "
                        "You can send it again once the problem above is fixed.")

    if st.button("Send the addresses", type="primary", key="send_button", disabled=not ready):
        send(force=False)
    if st.session_state.get("already"):
        message, earlier = st.session_state["already"]
        st.error(message)
        if earlier is not None:
            st.dataframe(pd.DataFrame([{"sent": earlier.submitted_at[:19].replace("T", " "), "file": earlier.filename,
                                        "migration": earlier.migration_id, "status": earlier.status,
                                        "processed": earlier.processed, "errors": earlier.errors}]),
                         hide_index=True)
        if st.button("Send it again anyway (every address would be created twice)", key="force_button"):
            send(force=True)

    # ---------------------------------------------------------------- live view
    if ws.submission is not None:
        st.subheader("Progress")
        live_view()

# ---------------------------------------------------------------- history
st.subheader("Earlier submissions")
try:
    past = history().list(limit=200)
except AddrmigError as error:
    st.error(str(error))
    past = []
if not past:
    st.caption("Nothing sent yet.")
else:
    table = pd.DataFrame([{"id": s.id, "sent": s.submitted_at[:19].replace("T", " "), "file": s.filename,
                           "to": f"{s.base_url} #{s.channel_id}", "rows": s.rows, "status": s.status,
                           "processed": s.processed, "errors": s.errors} for s in past])
    st.dataframe(table.head(50), hide_index=True, width="stretch")
    labels = {s.id: f"#{s.id} {s.filename} — {s.submitted_at[:16].replace('T', ' ')} ({s.status})" for s in past}
    pick = st.selectbox("Open a submission", [None, *labels], format_func=lambda i: "—" if i is None else labels[i],
                        key="history_pick")
    if pick is not None:
        store = history()
        old = store.get(pick)
        st.caption(old.describe())
        show_progress(old, samples_frame(store.samples(old.id)))
