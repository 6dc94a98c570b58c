"""Step 5 — send the addresses, watch the migration run, look back at earlier ones."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from addrmig.akinon.connection import SANDBOX
from addrmig.akinon.flow import SendEvent, parts_frame, poll, progress_figures, progress_text, samples_frame
from addrmig.errors import AddrmigError, AkinonError, AlreadySubmitted
from addrmig.history import Submission
from addrmig.i18n import N_, _, ngettext, set_language
from pages._common import (
    PAGES,
    akinon_client,
    check,
    need_file,
    need_rows,
    number,
    sandbox,
    workspace,
)
from pages._session import history_for

ws = workspace()
# The workspace's language, also when this page or one of its fragments runs without app.py (a
# fragment's rerun runs in a thread of its own, where the language app.py chose is not set).
set_language(ws.language)
st.title(_("5. Send to Akinon"))

POLL_SECONDS = 1.0
SEND_ONLY, SEND_ACCEPTED, SEND_ALL = "only", "accepted", "all"


def rows_text(n: int) -> str:
    return ngettext("{n} row", "{n} rows", n).format(n=number(n))


def parts_text(n: int) -> str:
    return ngettext("{n} part", "{n} parts", n).format(n=number(n))


def when(submission: Submission) -> str:
    """When a submission was sent, to the minute (UTC): "2026-12-01 14:05"."""
    return submission.submitted_at[:16].replace("T", " ")


#: The titles of the parts table's columns (``flow.parts_frame``), translated where shown.
PART_TEXT_COLUMNS = {"part": N_("part"), "state": N_("state"), "migration": N_("migration")}
PART_NUMBER_COLUMNS = {"rows": N_("rows"), "first row": N_("first row"), "last row": N_("last row"),
                       "bytes": N_("bytes"), "processed": N_("processed"), "refused": N_("refused"),
                       "total": N_("total")}


def chart(samples: pd.DataFrame) -> None:
    """Processed rows and errors over time."""
    if samples.empty:
        st.caption(_("No progress reading yet."))
        return
    # The lines are named in the language: the legend and the tooltips show the names.
    names = {"processed": _("processed"), "errors": _("errors")}
    long = samples.rename(columns=names).melt(id_vars=["time"], value_vars=list(names.values()),
                                              var_name="series", value_name="amount")
    st.altair_chart(
        alt.Chart(long).mark_line(point=True).encode(
            x=alt.X("time:T", title=_("Time"), axis=alt.Axis(format="%H:%M:%S")), y=alt.Y("amount:Q", title=_("Rows")),
            color=alt.Color("series:N", title=None, scale=alt.Scale(domain=list(names.values()),
                                                                 range=["#2b8a3e", "#c92a2a"])),
            tooltip=[alt.Tooltip("time:T", title=_("Time"), format="%H:%M:%S"),
                     alt.Tooltip("series:N", title=_("Series")), alt.Tooltip("amount:Q", title=_("Rows"), format=",")],
        ).properties(height=260, title=_("Processed and errors over time")),
        width="stretch")


def where_label(submission: Submission) -> str:
    """Where a submission went, as a person reads it: "Sandbox" or the Akinon URL and channel."""
    try:
        if submission.base_url == sandbox().url.rstrip("/"):
            return _("Sandbox")
    except AddrmigError:
        pass
    return _("{url} (channel {channel})").format(url=submission.base_url, channel=submission.channel_id)


def show_progress(submission: Submission, samples: pd.DataFrame) -> None:
    """Progress bar, counts, speed and time left for one submission."""
    figures = progress_figures(submission, samples)
    st.progress(figures.share, text=progress_text(submission))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(_("Processed"), number(figures.processed),
              help=ngettext("of {n} row", "of {n} rows", figures.total).format(n=number(figures.total)))
    c2.metric(_("Refused by the server"), number(figures.errors))
    c3.metric(_("Speed"), _("{n} rows/s").format(n=number(int(figures.speed))) if figures.speed else "—")
    c4.metric(_("Time left"), figures.eta)
    chart(samples)


def history_table(past: list[Submission]) -> None:
    table = pd.DataFrame([{"sent": s.submitted_at[:19].replace("T", " "), "file": s.filename,
                           "to": where_label(s), "rows": s.rows, "parts": s.parts, "state": progress_text(s),
                           "processed": s.processed, "refused": s.errors} for s in past])
    st.dataframe(table.head(50), hide_index=True, width="stretch",
                 column_config={"sent": _("sent"), "file": _("file"), "to": _("to"),
                                "rows": st.column_config.NumberColumn(_("rows"), format="localized"),
                                "parts": st.column_config.NumberColumn(_("parts"), format="localized"),
                                "state": _("state"),
                                "processed": st.column_config.NumberColumn(_("processed"), format="localized"),
                                "refused": st.column_config.NumberColumn(_("refused"), format="localized")})


def live_view() -> None:
    """Polls the server once per run (every running part); a slow or failing answer shows 'retrying',
    never blocks the page. The page, the sidebar and the history table all read the submission back
    from the store."""
    set_language(ws.language)
    submission = ws.submission
    if submission is None:
        return
    store = history_for(ws)
    submission = store.get(submission.id)
    if submission.parts_started > submission.parts_finished:
        problems: list[str] = []
        try:
            submission, _polled = poll(akinon_client(ws.connection, polling=True), store, submission,
                                       on_retry=lambda error: problems.append(str(error)))
        except AddrmigError as error:
            problems.append(str(error))
        if problems:
            st.session_state["poll_problem"] = problems[0]
        else:
            st.session_state.pop("poll_problem", None)
    ws.submission = submission
    if st.session_state.get("poll_problem") and submission.parts_started > submission.parts_finished:
        st.warning(_("The server did not answer this time; retrying every second. (It said: {problem})")
                   .format(problem=st.session_state["poll_problem"]))
    show_progress(submission, samples_frame(store.samples(submission.id)))
    if submission.parts > 1:
        parts_detail(submission)
    if submission.finished:
        if submission.errors:
            st.warning(_("Finished: {processed} processed, {refused} refused by the server.").format(
                processed=rows_text(submission.processed or 0), refused=rows_text(submission.errors)))
        else:
            processed = submission.processed or 0
            st.success(ngettext("Finished: the one row was taken. 🎉", "Finished: all {n} rows were taken. 🎉",
                                processed).format(n=number(processed)))
        if not st.session_state.get(f"announced_{submission.id}"):
            st.session_state[f"announced_{submission.id}"] = True
            st.rerun(scope="app")  # once, so the sidebar shows the finished state


def parts_detail(submission: Submission, where: str = "live") -> None:
    """Each part's rows and counts, on demand; the parts with refusals to download (Akinon says how
    many rows of a migration it refused, never which: the part narrows it down)."""
    store = history_for(ws)
    parts = store.parts(submission.id)
    with st.expander(_("The {n} parts: rows, migrations and refusals").format(n=number(submission.parts))):
        st.dataframe(parts_frame(parts), hide_index=True, width="stretch", height=36 + 35 * min(len(parts), 15),
                     column_config={**{name: _(title) for name, title in PART_TEXT_COLUMNS.items()},
                                    **{name: st.column_config.NumberColumn(_(title), format="localized")
                                       for name, title in PART_NUMBER_COLUMNS.items()}})
        with_errors = [p.number for p in parts if p.errors]
        if not with_errors:
            st.caption(_("No part has refused rows so far.") if not submission.finished
                       else _("No part has refused rows."))
            return
        if not submission.copy_available:
            st.caption(_("The copy of what was sent is no longer kept, so the parts cannot be cut from it again."))
            return
        stem = submission.filename.rsplit(".", 1)[0]
        st.download_button(ngettext("Download the rows of the {n} part with refusals ({numbers})",
                                    "Download the rows of the {n} parts with refusals ({numbers})",
                                    len(with_errors)).format(n=number(len(with_errors)),
                                                             numbers=", ".join(map(str, with_errors))),
                           lambda: store.parts_file(submission, with_errors),
                           file_name=f"{stem}_parts_with_refusals.csv", mime="text/csv",
                           key=f"error_parts_{where}_{submission.id}", on_click="ignore")


def send(frame: pd.DataFrame, force: bool) -> None:
    """Send ``frame`` (in parts) and remember the outcome for the next run of the page (which shows it)."""
    run_send(_("Sending {rows}…").format(rows=rows_text(len(frame))),
             lambda on_part: ws.send(akinon_client(ws.connection), history_for(ws), frame, force=force,
                                     on_part=on_part))


def continue_sending(submission: Submission, force_uncertain: bool = False) -> None:
    """Send what is left of ``submission``: the parts never started (and, with the user's word, those
    that may have started)."""
    run_send(_("Sending the parts not sent yet…"),
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
            if sent.parts > 1:
                text = _("Sent {rows} in {parts}; the server is working through them.").format(
                    rows=rows_text(sent.rows or 0), parts=parts_text(sent.parts))
            else:
                text = _("Sent {rows} (migration {migration}); the server is working through them.").format(
                    rows=rows_text(sent.rows or 0), migration=sent.migration_id)
            outcome = ("sent", text, None)
            if sent.parts_uncertain:
                outcome = ("sent", ngettext("Sent the parts that were never sent; {n} part may have started and "
                                            "wait for your word below.",
                                            "Sent the parts that were never sent; {n} parts may have started and "
                                            "wait for your word below.", sent.parts_uncertain)
                           .format(n=number(sent.parts_uncertain)), None)
            box.update(label=_("Sent."), state="complete")
        except AlreadySubmitted as error:
            ws.submission = before
            outcome = ("already", str(error), error.earlier)
            box.update(label=_("Not sent."), state="error")
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
            box.update(label=_("Stopped.") if seen else _("Not sent."), state="error")
    st.session_state["send_outcome"] = outcome
    st.rerun()


def outcome_box() -> None:
    """What the last press of Send did, in words for the person who pressed it."""
    kind, message, earlier = st.session_state.get("send_outcome", (None, None, None))
    if kind == "sent":
        st.success(message)
    elif kind == "already" and earlier is not None and earlier.interrupted:
        st.error(_("These rows were already sent in part to {where} on {when} UTC: {started} of {parts} went, "
                   "the rest never did. Sending them all again would create the addresses already sent twice, so "
                   "nothing was sent.").format(where=where_label(earlier), when=when(earlier),
                                               started=number(earlier.parts_started), parts=parts_text(earlier.parts)))
        if st.button(ngettext("Continue: send only the {n} part not sent yet",
                              "Continue: send only the {n} parts not sent yet", earlier.parts_unsent)
                     .format(n=number(earlier.parts_unsent)),
                     key="continue_earlier_button", type="primary"):
            continue_sending(earlier)
    elif kind == "already" and earlier is not None:
        st.error(_("These rows were already sent to {where} on {when} UTC ({state}). Sending them again would "
                   "create every address twice in Akinon, so nothing was sent.").format(
                       where=where_label(earlier), when=when(earlier), state=progress_text(earlier)))
        st.caption(_("Look at that submission under *Earlier submissions* below. Send again only if you know the "
                     "first one did not arrive."))
        if st.button(_("Send it again anyway (every address would be created twice)"), key="force_button"):
            send(split.send, force=True)
    elif kind == "uncertain":
        st.error(message)
        st.warning(_("The migration **may have started** on the server. Do not send the file again before you "
                     "have checked the migration list in Omnitron (or *Earlier submissions* below, marked *{marked}*).")
                   .format(marked=_("may have started")))
    elif kind == "stopped":
        st.error(message)
        st.info(_("Sending stopped part way: the parts sent are running on the server, the others were never "
                  "sent. Continue below once the problem above is fixed."))
    elif kind == "failed":
        st.error(message)
        st.info(_("No migration was started: the server never took the file. You can send it again once the "
                  "problem above is fixed."))


def what_is_left(submission: Submission) -> None:
    """For a submission that did not go whole: continue with the parts never sent, and (a separate,
    explicit step) send again the parts that may have started, once the user has checked they did not."""
    if submission.interrupted:
        st.info(ngettext("{started} of {parts} were sent; {n} part never was (the send was interrupted). Continue "
                         "sends only those; nothing is sent twice.",
                         "{started} of {parts} were sent; {n} parts never were (the send was interrupted). Continue "
                         "sends only those; nothing is sent twice.", submission.parts_unsent)
                .format(started=number(submission.parts_started), parts=parts_text(submission.parts),
                        n=number(submission.parts_unsent)))
        if st.button(ngettext("Continue: send the {n} part not sent yet", "Continue: send the {n} parts not sent yet",
                              submission.parts_unsent).format(n=number(submission.parts_unsent)),
                     key="continue_button", type="primary", disabled=not ws.connection.ready):
            continue_sending(submission)
    if submission.parts_uncertain:
        uncertain = [p for p in history_for(ws).parts(submission.id) if p.state == "uncertain"]
        names = ", ".join(_("part {number} ({rows}, sent {when} UTC)").format(
            number=p.number, rows=p.describe_rows(), when=str(p.sending_at)[:16].replace("T", " ")) for p in uncertain)
        st.warning(ngettext("The answer to {names} was lost: the server may have started it. Look in Omnitron's "
                            "migration list for a migration started then. Send again only what is not there: "
                            "otherwise its addresses would be created twice.",
                            "The answer to {names} was lost: the server may have started them. Look in Omnitron's "
                            "migration list for a migration started then. Send again only what is not there: "
                            "otherwise its addresses would be created twice.", len(uncertain)).format(names=names))
        checked = st.checkbox(ngettext("I checked Omnitron: this part did not start",
                                       "I checked Omnitron: these parts did not start", len(uncertain)),
                              key=f"uncertain_checked_{submission.id}")
        if st.button(ngettext("Send it again", "Send them again", len(uncertain)), key="force_uncertain_button",
                     disabled=not (checked and ws.connection.ready)):
            continue_sending(submission, force_uncertain=True)


if need_file(ws) and need_rows(ws):
    report = check(ws)
    conn = ws.connection

    # ---------------------------------------------------------------- pre-flight
    st.subheader(_("Before sending"))
    probe = ws.export_split(report)
    c1, c2, c3 = st.columns(3)
    c1.metric(_("Rows"), number(ws.rows))
    c2.metric(_("Akinon would refuse"), rows_text(probe.refused_rows),
              help=_("A required value missing, a value too long, or a place the location database does not hold "
                     "as written."))
    c3.metric(_("Worth fixing"), rows_text(probe.advisory_rows),
              help=_("Akinon accepts these rows, but addrmig advises fixing them first (e-mail, phone, …)."))
    if probe.refused_rows:
        send_only = _("Send the {rows} Akinon will accept (set apart the {refused} it would refuse)").format(
            rows=rows_text(probe.send_count), refused=rows_text(probe.refused_rows))
    else:
        send_only = _("Send the {rows} Akinon will accept").format(rows=rows_text(probe.send_count))
    choices = {SEND_ONLY: send_only}
    if probe.advisory_rows:
        clean = ws.rows - probe.refused_rows - probe.advisory_rows
        choices[SEND_ACCEPTED] = _("Send only the {rows} without any problem (also set apart the {advisory} worth "
                                   "fixing)").format(rows=rows_text(clean), advisory=rows_text(probe.advisory_rows))
    if probe.refused_rows:
        choices[SEND_ALL] = _("Send all {rows} (Akinon will refuse {refused} of them)").format(
            rows=rows_text(ws.rows), refused=number(probe.refused_rows))
    pick = st.radio(_("What to send"), list(choices), format_func=choices.__getitem__, key="send_choice") \
        if len(choices) > 1 else SEND_ONLY
    split = ws.export_split(report, hold_back_refused=pick != SEND_ALL, hold_back_advisory=pick == SEND_ACCEPTED)
    if split.send_refused_rows:
        st.warning(_("Akinon will refuse {rows} of what you send.").format(rows=rows_text(split.send_refused_rows)))
        lc, rc = st.columns(2)
        lc.page_link(PAGES["check"], label=_("Fix the rows"), icon=":material/fact_check:")
        rc.page_link(PAGES["places"], label=_("Match the places"), icon=":material/location_on:")
    if ws.current_resolution() is None:
        st.info(_("Places were not matched for this version of the file: matching respells places Akinon would "
                  "otherwise refuse."))
    if split.later_count:
        st.caption(_("Set apart: {rows} — download them on the Export page.").format(rows=split.describe_later()))

    if conn.mode == SANDBOX:
        where = _("the built-in sandbox (practice)")
    else:
        where = _("{url}, channel {channel}").format(url=conn.url or _("(no URL yet)"), channel=conn.channel_id)
    st.write(_("The addresses go to **{where}**. Change this in the sidebar.").format(where=where))

    active = ws.submission is not None and ws.submission.status in ("sending", "started")
    done_here = ws.submission is not None and ws.submission.finished and ws.submission.rows == split.send_count
    if not conn.ready:
        st.info(_("Fill in the Akinon URL, channel and token in the sidebar, or choose the sandbox."))
    if not split.send_count:
        st.info(_("No row would be sent, so there is nothing to send."))
    if done_here:
        st.caption(_("These rows were sent and the migration has finished. Change the file (or what to send) to "
                     "send again."))
    ready = conn.ready and split.send_count > 0 and not active and not done_here
    if st.button(_("Send the addresses"), type="primary", key="send_button", disabled=not ready):
        send(split.send, force=False)
    outcome_box()

    # ---------------------------------------------------------------- live view
    if ws.submission is not None:
        st.subheader(_("Progress"))
        what_is_left(ws.submission)
        st.fragment(live_view, run_every=POLL_SECONDS if ws.submission is not None and ws.submission.in_progress else None)()


# ---------------------------------------------------------------- history
def earlier_submissions() -> None:
    set_language(ws.language)
    st.subheader(_("Earlier submissions"))
    try:
        past = history_for(ws).list(limit=200)
    except AddrmigError as error:
        st.error(str(error))
        return
    if not past:
        st.caption(_("Nothing sent yet."))
        return
    history_table(past)
    labels = {s.id: f"{s.filename} — {when(s)} ({progress_text(s)})" for s in past}
    pick = st.selectbox(_("Open a submission"), [None, *labels], format_func=lambda i: "—" if i is None else labels[i],
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
            st.download_button(_("Download the file as it was sent (kept until {date})").format(date=until),
                               lambda: store.file_bytes(old), file_name=f"sent_{old.id}_{old.filename.rsplit('.', 1)[0]}.csv",
                               mime="text/csv", key=f"sent_copy_{old.id}", on_click="ignore")
        elif old.copy_kept_until:
            st.caption(_("The copy of what was sent has been deleted (copies are kept for a limited time); the "
                         "history keeps its fingerprint (sha256), size and row count."))


st.fragment(earlier_submissions, run_every=POLL_SECONDS if ws.submission is not None and ws.submission.in_progress else None)()
