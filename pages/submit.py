"""Step 5 — send the addresses, watch the migration run, look back at earlier ones."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from addrmig.akinon.connection import SANDBOX
from addrmig.akinon.flow import progress_figures, progress_text, samples_frame
from addrmig.errors import AddrmigError, AkinonError, AlreadySubmitted
from addrmig.history import Submission
from pages._common import (
    PAGES,
    akinon_client,
    need_file,
    need_rows,
    number,
    plural,
    sandbox,
    validate_frame,
    workspace,
)
from pages._session import history_for

ws = workspace()
st.title("5. Send to Akinon")

POLL_SECONDS = 1.0
SEND_ONLY, SEND_ACCEPTED, SEND_ALL = "only", "accepted", "all"


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


def where_label(submission: Submission) -> str:
    """Where a submission went, as a person reads it: "Sandbox" or the Akinon URL and channel."""
    try:
        if submission.base_url == sandbox().url.rstrip("/"):
            return "Sandbox"
    except AddrmigError:
        pass
    return f"{submission.base_url} (channel {submission.channel_id})"


def show_progress(submission: Submission, samples: pd.DataFrame) -> None:
    """Progress bar, counts, speed and time left for one submission."""
    figures = progress_figures(submission, samples)
    st.progress(figures.share, text=progress_text(submission))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Processed", number(figures.processed), help=f"of {plural(figures.total, 'row')}")
    c2.metric("Refused by the server", number(figures.errors))
    c3.metric("Speed", f"{number(int(figures.speed))} rows/s" if figures.speed else "—")
    c4.metric("Time left", figures.eta)
    chart(samples)


def history_table(past: list[Submission]) -> None:
    table = pd.DataFrame([{"sent": s.submitted_at[:19].replace("T", " "), "file": s.filename,
                           "to": where_label(s), "rows": s.rows, "state": progress_text(s),
                           "processed": s.processed, "refused": s.errors} for s in past])
    st.dataframe(table.head(50), hide_index=True, width="stretch",
                 column_config={"rows": st.column_config.NumberColumn(format="localized"),
                                "processed": st.column_config.NumberColumn(format="localized"),
                                "refused": st.column_config.NumberColumn(format="localized")})


def live_view() -> None:
    """Polls the server once per run; a slow or failing answer shows 'retrying', never blocks the page.
    The page, the sidebar and the history table all read the submission back from the store."""
    submission = ws.submission
    if submission is None:
        return
    store = history_for(ws)
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
                       f"{plural(submission.errors, 'row')} refused by the server.")
        else:
            st.success(f"Finished: {'the one row was' if submission.processed == 1 else 'all ' + plural(submission.processed or 0, 'row') + ' were'} taken. 🎉")
        if not st.session_state.get(f"announced_{submission.id}"):
            st.session_state[f"announced_{submission.id}"] = True
            st.rerun(scope="app")  # once, so the sidebar shows the finished state


def send(frame: pd.DataFrame, force: bool) -> None:
    """Send ``frame`` and remember the outcome for the next run of the page (which shows it)."""
    st.session_state.pop("send_outcome", None)
    try:
        with st.spinner(f"Sending {plural(len(frame), 'row')}…"):
            ws.submission = ws.send(akinon_client(ws.connection), history_for(ws), frame, force=force)
        st.session_state["send_outcome"] = ("sent", f"Sent {plural(len(frame), 'row')}; the server is working "
                                                    "through them (migration "
                                                    f"{ws.submission.migration_id}).", None)
    except AlreadySubmitted as error:
        st.session_state["send_outcome"] = ("already", str(error), error.earlier)
    except AddrmigError as error:
        may_have_started = isinstance(error, AkinonError) and error.may_have_started
        st.session_state["send_outcome"] = ("uncertain" if may_have_started else "failed", str(error), None)
    st.rerun()


def outcome_box() -> None:
    """What the last press of Send did, in words for the person who pressed it."""
    kind, message, earlier = st.session_state.get("send_outcome", (None, None, None))
    if kind == "sent":
        st.success(message)
    elif kind == "already" and earlier is not None:
        st.error(f"These rows were already sent to {where_label(earlier)} on "
                 f"{earlier.submitted_at[:16].replace('T', ' ')} UTC ({progress_text(earlier)}). Sending them again "
                 "would create every address twice in Akinon, so nothing was sent.")
        st.caption("Look at that submission under *Earlier submissions* below. Send again only if you know the "
                   "first one did not arrive.")
        if st.button("Send it again anyway (every address would be created twice)", key="force_button"):
            send(split.send, force=True)
    elif kind == "uncertain":
        st.error(message)
        st.warning("The migration **may have started** on the server. Do not send the file again before you have "
                   "checked the migration list in Omnitron (or *Earlier submissions* below, marked *may have "
                   "started*).")
    elif kind == "failed":
        st.error(message)
        st.info("No migration was started: the server never took the file. You can send it again once the "
                "problem above is fixed.")


if need_file(ws) and need_rows(ws):
    report = ws.report(lambda frame: validate_frame(ws.content_key(), frame))
    conn = ws.connection

    # ---------------------------------------------------------------- pre-flight
    st.subheader("Before sending")
    probe = ws.export_split(report)
    c1, c2, c3 = st.columns(3)
    c1.metric("Rows", number(ws.rows))
    c2.metric("Akinon would refuse", plural(probe.refused_rows, "row"),
              help="A required value missing, a value too long, or a place the location database does not hold "
                   "as written.")
    c3.metric("Worth fixing", plural(probe.advisory_rows, "row"),
              help="Akinon accepts these rows, but addrmig advises fixing them first (e-mail, phone, …).")
    choices = {SEND_ONLY: f"Send the {plural(len(probe.send), 'row')} Akinon will accept"
                          + (f" (set apart the {plural(probe.refused_rows, 'row')} it would refuse)"
                             if probe.refused_rows else "")}
    if probe.advisory_rows:
        clean = ws.rows - probe.refused_rows - probe.advisory_rows
        choices[SEND_ACCEPTED] = (f"Send only the {plural(clean, 'row')} without any problem (also set apart the "
                                  f"{plural(probe.advisory_rows, 'row')} worth fixing)")
    if probe.refused_rows:
        choices[SEND_ALL] = f"Send all {plural(ws.rows, 'row')} (Akinon will refuse {number(probe.refused_rows)} of them)"
    pick = st.radio("What to send", list(choices), format_func=choices.__getitem__, key="send_choice") \
        if len(choices) > 1 else SEND_ONLY
    split = ws.export_split(report, hold_back_refused=pick != SEND_ALL, hold_back_advisory=pick == SEND_ACCEPTED)
    if split.send_refused_rows:
        st.warning(f"Akinon will refuse {plural(split.send_refused_rows, 'row')} of what you send.")
        lc, rc = st.columns(2)
        lc.page_link(PAGES["check"], label="Fix the rows", icon=":material/fact_check:")
        rc.page_link(PAGES["places"], label="Match the places", icon=":material/location_on:")
    if ws.current_resolution() is None:
        st.info("Places were not matched for this version of the file: matching respells places Akinon would "
                "otherwise refuse.")
    if len(split.later):
        st.caption(f"Set apart: {split.describe_later()} — download them on the Export page.")

    where = "the built-in sandbox (practice)" if conn.mode == SANDBOX else f"{conn.url or '(no URL yet)'}, channel {conn.channel_id}"
    st.write(f"The addresses go to **{where}**. Change this in the sidebar.")

    active = ws.submission is not None and ws.submission.status in ("sending", "started")
    done_here = ws.submission is not None and ws.submission.finished and ws.submission.rows == len(split.send)
    if not conn.ready:
        st.info("Fill in the Akinon URL, channel and token in the sidebar, or choose the sandbox.")
    if not len(split.send):
        st.info("No row would be sent, so there is nothing to send.")
    if done_here:
        st.caption("These rows were sent and the migration has finished. Change the file (or what to send) to send "
                   "again.")
    ready = conn.ready and len(split.send) > 0 and not active and not done_here
    if st.button("Send the addresses", type="primary", key="send_button", disabled=not ready):
        send(split.send, force=False)
    outcome_box()

    # ---------------------------------------------------------------- live view
    if ws.submission is not None:
        st.subheader("Progress")
        running = ws.submission.status in ("sending", "started")
        st.fragment(live_view, run_every=POLL_SECONDS if running else None)()


# ---------------------------------------------------------------- history
def earlier_submissions() -> None:
    st.subheader("Earlier submissions")
    try:
        past = history_for(ws).list(limit=200)
    except AddrmigError as error:
        st.error(str(error))
        return
    if not past:
        st.caption("Nothing sent yet.")
        return
    history_table(past)
    labels = {s.id: f"{s.filename} — {s.submitted_at[:16].replace('T', ' ')} ({progress_text(s)})" for s in past}
    pick = st.selectbox("Open a submission", [None, *labels], format_func=lambda i: "—" if i is None else labels[i],
                        key="history_pick")
    if pick is not None:
        store = history_for(ws)
        old = store.get(pick)
        st.caption(old.describe())
        show_progress(old, samples_frame(store.samples(old.id)))
        if old.copy_available:
            # Akinon says nothing about which rows it refused: the copy of what was sent is the record.
            until = str(old.copy_kept_until)[:10]
            st.download_button(f"Download the file as it was sent (kept until {until})",
                               lambda: store.file_bytes(old), file_name=f"sent_{old.id}_{old.filename.rsplit('.', 1)[0]}.csv",
                               mime="text/csv", key=f"sent_copy_{old.id}", on_click="ignore")
        elif old.copy_kept_until:
            st.caption("The copy of what was sent has been deleted (copies are kept for a limited time); the "
                       "history keeps its fingerprint (sha256), size and row count.")


running = ws.submission is not None and ws.submission.status in ("sending", "started")
st.fragment(earlier_submissions, run_every=POLL_SECONDS if running else None)()
