"""Step 5 — send the addresses, watch the migration run, look back at earlier ones."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from addrmig.akinon.connection import SANDBOX
from addrmig.akinon.flow import SendEvent, parts_frame, poll, progress_figures, progress_text, samples_frame
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
                           "to": where_label(s), "rows": s.rows, "parts": s.parts, "state": progress_text(s),
                           "processed": s.processed, "refused": s.errors} for s in past])
    st.dataframe(table.head(50), hide_index=True, width="stretch",
                 column_config={"rows": st.column_config.NumberColumn(format="localized"),
                                "processed": st.column_config.NumberColumn(format="localized"),
                                "refused": st.column_config.NumberColumn(format="localized")})


def live_view() -> None:
    """Polls the server once per run (every running part); a slow or failing answer shows 'retrying',
    never blocks the page. The page, the sidebar and the history table all read the submission back
    from the store."""
    submission = ws.submission
    if submission is None:
        return
    store = history_for(ws)
    submission = store.get(submission.id)
    if submission.parts_started > submission.parts_finished:
        problems: list[str] = []
        try:
            submission, _ = poll(akinon_client(ws.connection, polling=True), store, submission,
                                 on_retry=lambda error: problems.append(str(error)))
        except AddrmigError as error:
            problems.append(str(error))
        if problems:
            st.session_state["poll_problem"] = problems[0]
        else:
            st.session_state.pop("poll_problem", None)
    ws.submission = submission
    if st.session_state.get("poll_problem") and submission.parts_started > submission.parts_finished:
        st.warning("The server did not answer this time; retrying every second. "
                   f"(It said: {st.session_state['poll_problem']})")
    show_progress(submission, samples_frame(store.samples(submission.id)))
    if submission.parts > 1:
        parts_detail(submission)
    if submission.finished:
        if submission.errors:
            st.warning(f"Finished: {plural(submission.processed or 0, 'row')} processed, "
                       f"{plural(submission.errors, 'row')} refused by the server.")
        else:
            st.success(f"Finished: {'the one row was' if submission.processed == 1 else 'all ' + plural(submission.processed or 0, 'row') + ' were'} taken. 🎉")
        if not st.session_state.get(f"announced_{submission.id}"):
            st.session_state[f"announced_{submission.id}"] = True
            st.rerun(scope="app")  # once, so the sidebar shows the finished state


def parts_detail(submission: Submission, where: str = "live") -> None:
    """Each part's rows and counts, on demand; the parts with refusals to download (Akinon says how
    many rows of a migration it refused, never which: the part narrows it down)."""
    store = history_for(ws)
    parts = store.parts(submission.id)
    with st.expander(f"The {submission.parts} parts: rows, migrations and refusals"):
        st.dataframe(parts_frame(parts), hide_index=True, width="stretch", height=36 + 35 * min(len(parts), 15),
                     column_config={name: st.column_config.NumberColumn(format="localized")
                                    for name in ("rows", "first row", "last row", "bytes", "processed", "refused",
                                                 "total")})
        with_errors = [p.number for p in parts if p.errors]
        if not with_errors:
            st.caption("No part has refused rows" + (" so far." if not submission.finished else "."))
            return
        if not submission.copy_available:
            st.caption("The copy of what was sent is no longer kept, so the parts cannot be cut from it again.")
            return
        stem = submission.filename.rsplit(".", 1)[0]
        st.download_button(f"Download the rows of the {plural(len(with_errors), 'part')} with refusals "
                           f"({', '.join(map(str, with_errors))})",
                           lambda: store.parts_file(submission, with_errors),
                           file_name=f"{stem}_parts_with_refusals.csv", mime="text/csv",
                           key=f"error_parts_{where}_{submission.id}", on_click="ignore")


def send(frame: pd.DataFrame, force: bool) -> None:
    """Send ``frame`` (in parts) and remember the outcome for the next run of the page (which shows it)."""
    run_send(f"Sending {plural(len(frame), 'row')}…",
             lambda on_part: ws.send(akinon_client(ws.connection), history_for(ws), frame, force=force,
                                     on_part=on_part))


def continue_sending(submission: Submission, force_uncertain: bool = False) -> None:
    """Send what is left of ``submission``: the parts never started (and, with the user's word, those
    that may have started)."""
    run_send("Sending the parts not sent yet…",
             lambda on_part: ws.resume(akinon_client(ws.connection), history_for(ws), submission,
                                       force_uncertain=force_uncertain, on_part=on_part))


def run_send(label: str, sending) -> None:
    """Run ``sending(on_part)`` inside a status box that names the part on its way, then rerun the page
    with the outcome to show (the box says how it ended: it never keeps spinning)."""
    st.session_state.pop("send_outcome", None)
    seen: list[int] = []
    before = ws.submission

    def on_part(event: SendEvent) -> None:
        if not seen:
            # Watched from the first part on: a page left mid-send (a click, a closed tab) comes back to it.
            seen.append(event.part.submission_id)
            ws.submission = history_for(ws).get(event.part.submission_id)
        box.update(label=event.text())
        if event.kind != "sending":
            box.write(event.text())

    with st.status(label, expanded=False) as box:
        try:
            sent = ws.submission = sending(on_part)
            how = f" in {plural(sent.parts, 'part')}" if sent.parts > 1 else f" (migration {sent.migration_id})"
            outcome = ("sent", f"Sent {plural(sent.rows or 0, 'row')}{how}; the server is working through them.",
                       None)
            if sent.parts_uncertain:
                outcome = ("sent", f"Sent the parts that were never sent; {plural(sent.parts_uncertain, 'part')} "
                                   "may have started and wait for your word below.", None)
            box.update(label="Sent.", state="complete")
        except AlreadySubmitted as error:
            ws.submission = before
            outcome = ("already", str(error), error.earlier)
            box.update(label="Not sent.", state="error")
        except AddrmigError as error:
            may_have_started = isinstance(error, AkinonError) and error.may_have_started
            outcome = ("uncertain" if may_have_started else "failed", str(error), None)
            ws.submission = before
            if seen:
                # Some parts may have gone: the page offers to continue (or to check the uncertain one).
                sent = history_for(ws).get(seen[0])
                if sent.status != "failed":
                    ws.submission = sent
                    outcome = ("uncertain" if may_have_started else "stopped", str(error), None)
            box.update(label="Stopped." if seen else "Not sent.", state="error")
    st.session_state["send_outcome"] = outcome
    st.rerun()


def outcome_box() -> None:
    """What the last press of Send did, in words for the person who pressed it."""
    kind, message, earlier = st.session_state.get("send_outcome", (None, None, None))
    if kind == "sent":
        st.success(message)
    elif kind == "already" and earlier is not None and earlier.interrupted:
        st.error(f"These rows were already sent in part to {where_label(earlier)} on "
                 f"{earlier.submitted_at[:16].replace('T', ' ')} UTC: {earlier.parts_started} of "
                 f"{plural(earlier.parts, 'part')} went, the rest never did. Sending them all again would create the "
                 "addresses already sent twice, so nothing was sent.")
        if st.button(f"Continue: send only the {plural(earlier.parts_unsent, 'part')} not sent yet",
                     key="continue_earlier_button", type="primary"):
            continue_sending(earlier)
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
    elif kind == "stopped":
        st.error(message)
        st.info("Sending stopped part way: the parts sent are running on the server, the others were never sent. "
                "Continue below once the problem above is fixed.")
    elif kind == "failed":
        st.error(message)
        st.info("No migration was started: the server never took the file. You can send it again once the "
                "problem above is fixed.")


def what_is_left(submission: Submission) -> None:
    """For a submission that did not go whole: continue with the parts never sent, and (a separate,
    explicit step) send again the parts that may have started, once the user has checked they did not."""
    if submission.interrupted:
        st.info(f"{submission.parts_started} of {plural(submission.parts, 'part')} were sent; "
                f"{plural(submission.parts_unsent, 'part')} never {'was' if submission.parts_unsent == 1 else 'were'} "
                "(the send was interrupted). Continue sends only those; nothing is sent twice.")
        if st.button(f"Continue: send the {plural(submission.parts_unsent, 'part')} not sent yet",
                     key="continue_button", type="primary", disabled=not ws.connection.ready):
            continue_sending(submission)
    if submission.parts_uncertain:
        uncertain = [p for p in history_for(ws).parts(submission.id) if p.state == "uncertain"]
        names = ", ".join(f"part {p.number} ({p.describe_rows()}, sent {str(p.sending_at)[:16].replace('T', ' ')} "
                          "UTC)" for p in uncertain)
        st.warning(f"The answer to {names} was lost: the server may have started {'it' if len(uncertain) == 1 else 'them'}. "
                   "Look in Omnitron's migration list for a migration started then. Send again only what is "
                   "not there: otherwise its addresses would be created twice.")
        checked = st.checkbox(f"I checked Omnitron: {'this part' if len(uncertain) == 1 else 'these parts'} did "
                              "not start", key=f"uncertain_checked_{submission.id}")
        if st.button(f"Send {'it' if len(uncertain) == 1 else 'them'} again", key="force_uncertain_button",
                     disabled=not (checked and ws.connection.ready)):
            continue_sending(submission, force_uncertain=True)


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
        what_is_left(ws.submission)
        st.fragment(live_view, run_every=POLL_SECONDS if ws.submission is not None and ws.submission.in_progress else None)()


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
        if old.parts > 1:
            parts_detail(old, where="history")
        if old.copy_available:
            # Akinon says nothing about which rows it refused: the copy of what was sent is the record.
            until = str(old.copy_kept_until)[:10]
            st.download_button(f"Download the file as it was sent (kept until {until})",
                               lambda: store.file_bytes(old), file_name=f"sent_{old.id}_{old.filename.rsplit('.', 1)[0]}.csv",
                               mime="text/csv", key=f"sent_copy_{old.id}", on_click="ignore")
        elif old.copy_kept_until:
            st.caption("The copy of what was sent has been deleted (copies are kept for a limited time); the "
                       "history keeps its fingerprint (sha256), size and row count.")


st.fragment(earlier_submissions, run_every=POLL_SECONDS if ws.submission is not None and ws.submission.in_progress else None)()
