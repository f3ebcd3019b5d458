"""Consultations (留言办理): a citizen's question for a person, kept with what they
actually asked, until staff answer it.

One opens when a citizen asks for a person (人工…), or sends a question no guide
answers that is not small talk. It holds their messages of the ten minutes before
(``recent_messages``) and every text or voice message they send while it is open.
Staff answers are in ``consultation_replies``; counts without openids of the
questions no guide answered in ``unanswered``.

The handlers call ``intake``; it opens its own database session when the side
effect runs (once per message: the webhook defers it past the dedup claim).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

import redis
from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..config import ConsultationSettings
from ..errors import Invalid, NotFound
from ..models import Consultation, ConsultationMessage
from ..models.consultation import ERASED_TEXT, KINDS
from . import recent_messages, unanswered
from .guide_catalogue import Bureau, cut_bytes
from .guide_matching import is_greeting, wants_human
from .textnorm import normalize, to_simplified

log = logging.getLogger(__name__)

MAX_TEXT = 2000


# --- a citizen's message ------------------------------------------------------------

@dataclass(frozen=True)
class Handled:
    """What the handler replies, and the side effect it defers."""

    reply: str
    effect: Callable[[], None] | None


def finalise(answer: Any, bureau: Bureau, settings: ConsultationSettings) -> Any:
    """The guide answer as the citizen gets it: a request for a person, or a question no
    guide answers that is not small talk, opens a consultation and says what happens next.

    Applied in ``BotServices.answer``, so the webhook and `guides ask` give the same reply."""
    text = answer.text or ""
    if _unanswered_help(answer):
        return replace(answer, kind="human", wants_human=True,
                       reply=opened_reply(bureau, settings.target_days(guess_kind(text))))
    if answer.wants_human:
        return replace(answer, reply=opened_reply(bureau, settings.target_days(guess_kind(text))))
    return answer


def opens_consultation(answer: Any) -> bool:
    """Whether ``finalise`` makes this answer open a consultation: a request for a person, or
    a question no guide answers that is not small talk."""
    return bool(answer.wants_human) or _unanswered_help(answer)


def _unanswered_help(answer: Any) -> bool:
    """The help menu given to a question no guide answers (not a greeting or small talk)."""
    text = answer.text or ""
    return answer.kind == "help" and is_unanswered_question(answer, text, normalize(text))


def message_source(raw: dict[str, Any]) -> str:
    return "voice" if str(raw.get("MsgType", "")).lower() == "voice" else "text"


def message_key(raw: dict[str, Any], text: str) -> str:
    """The message's name in the ten-minute buffer: the same for WeChat's retried copies."""
    return str(raw.get("MsgId") or f"{raw.get('CreateTime', '')}|{text}")


def intake(services: Any, openid: str, text: str, answer: Any, *, now: datetime, raw: dict[str, Any],
           may_be_open: bool, earlier: list[Any] | None = None) -> Handled:
    """The reply to a citizen's text (or recognised voice), as ``finalise`` made it, and the
    effect to defer (None: nothing to record beyond the ten-minute buffer).

    The caller has buffered the message and read the marker (``may_be_open``, from
    ``citizen_state.glance``, with the buffer's ``earlier`` messages when it read them); the
    effect adds the message to their open consultation, or opens one, and counts a question
    no guide answered."""
    source = message_source(raw)
    key = message_key(raw, text)
    opens = bool(answer.wants_human)
    norm = normalize(text)
    no_guide = is_unanswered_question(answer, text, norm)
    if not (opens or no_guide or may_be_open):
        return Handled(answer.reply, None)

    def effect() -> None:
        take_message(
            services.database.engine.connect, services.store, openid=openid, text=text, source=source, now=now,
            opens=opens, guide_id=answer.guide_id, unanswered_text=norm if no_guide else None,
            message_key=key, send_later=services.dedup.pipe.send_later, earlier=earlier,
        )

    return Handled(answer.reply, effect)


_SMALL_TALK = re.compile("天气|笑话|吃饭了|吃了吗|你叫什么|你是谁|你几岁|聊天|聊聊|无聊|唱歌|哈哈|呵呵|嘿嘿|测试一下")
_CJK = re.compile("[\u4e00-\u9fff]")


def is_unanswered_question(answer: Any, text: str, norm: str) -> bool:
    """A question no guide answered: not a greeting, thanks, small talk or a bare request for a person."""
    if answer.kind == "human":
        return wants_human(text, norm) is None  # a case question, not "人工"
    if answer.kind != "help":
        return False
    return not is_greeting(norm) and not _SMALL_TALK.search(norm) and len(_CJK.findall(norm)) >= 4


def opened_reply(bureau: Bureau, target_days: int) -> str:
    """What really happens next: staff read the inbox; WeChat lets us reply for 48 hours."""
    p = bureau.placeholders()
    return cut_bytes("\n".join([
        "已收到您的留言，已转给工作人员。",
        f"工作人员在后台逐条查看留言，一般在{target_days}个工作日内办理，并通过本公众号回复您"
        f"（办公时间：{p['office_hours']}）。需要补充情况，直接在这里继续发送，会一并转给工作人员。",
        f"微信只允许公众号在您最后一次发消息后的48小时内回复您：超过48小时还没收到回复，请再发一条消息，或致电 {p['phone']}。",
        "紧急情况请直接拨打110，公众号留言不能代替报警。",
    ]))


def take_message(
    open_db: Callable[[], Session | Connection], store: Any, *, openid: str, text: str, source: str,
    now: datetime, opens: bool, guide_id: str | None = None, unanswered_text: str | None = None,
    message_key: str = "", send_later: Callable[..., Any] | None = None, earlier: list[Any] | None = None,
) -> int | None:
    """Record one citizen message (already in the buffer under ``message_key``); returns the
    id of the consultation it went to (None: none open and this one opens none).
    ``open_db``: a sessionmaker, or (the webhook) the engine's ``connect``: every statement
    here is a plain one, and a bare connection saves ~0.25 ms of the ORM session's
    bookkeeping on each message recorded (bench/README.md).
    ``send_later``: the webhook's fire-and-forget Redis write, for the consultation marker.
    ``earlier``: the buffer's messages before this one, when the caller has read them already."""
    if not opens:
        before = []
    elif earlier is not None:
        before = earlier
    else:
        before = recent_messages.recent(store, openid, now, exclude=message_key)
    with open_db() as db:
        target_id = db.scalar(_statements()[0], {"openid": openid})
        if target_id is not None:
            _append(db, target_id, text, source, now)
        elif opens:
            if before:
                # Messages already in their previous consultation are not asked again.
                last = db.scalar(_statements()[3], {"openid": openid})
                before = _once_each([item for item in before if last is None or item.at > last], text)
            target_id = _open(db, openid, guide_id, [*((i.text, i.source, i.at) for i in before), (text, source, now)])
        if unanswered_text:
            unanswered.count(db, unanswered_text, now)
        db.commit()
    recent_messages.mark_open(store, openid, target_id is not None, send_later)
    return target_id


class MarkerRestorer:
    """For a message that found the consultation markers untrusted (``citizen_state.glance``):
    restore them from the database (``recent_messages.restore_markers``), and tell whether
    the citizen may have an open consultation.

    While another process restores them: maybe, so the database decides. When the database
    or Redis fails: the marker as Redis has it, as before the markers were in doubt (a
    message joining a consultation could not be saved with the database down, and a guide
    answer must still go out). After a database failure the database is not asked again
    for ``retry_after`` seconds: a host that drops packets costs each try the connect
    timeout, which every reply would otherwise wait for."""

    def __init__(self, store: Any, sessions: Callable[[], Session], retry_after: float = 30.0,
                 clock: Callable[[], float] = monotonic) -> None:
        self.store = store
        self.sessions = sessions
        self.retry_after = retry_after
        self.clock = clock
        self._next_try = 0.0

    def may_be_open(self, openid: str, marked: bool) -> bool:
        if self.clock() < self._next_try:
            return marked
        try:
            restored = recent_messages.restore_markers(self.store, self._open_openids)
        except SQLAlchemyError as exc:
            self._next_try = self.clock() + self.retry_after
            log.warning("consultation markers not restored, database unavailable (%s): trying again in %.0f s",
                        type(exc).__name__, self.retry_after)
            return marked
        except redis.RedisError as exc:
            self.store.health.failed(exc)
            return marked
        return True if restored is None else openid in restored

    def _open_openids(self) -> list[str]:
        with self.sessions() as db:
            return list(db.scalars(select(Consultation.openid).distinct()
                                   .where(Consultation.status == "open", Consultation.openid.is_not(None))))


def _open(db: Session | Connection, openid: str, guide_id: str | None, messages: list[tuple[str, str, datetime]]) -> int:
    """A new consultation holding ``messages`` (text, source, when), oldest first; its id.

    Two plain INSERTs rather than the ORM's unit of work, which cost the webhook more than
    a millisecond for every "人工" (bench/README.md); the row is what ``_append`` would
    have built message by message."""
    texts = [message_text[:MAX_TEXT] for message_text, _, _ in messages]
    _, insert_consultation, insert_message, _ = _statements()
    new_id = db.execute(insert_consultation, {
        "openid": openid, "guide_id": guide_id, "channel": "wechat", "status": "open",
        "created_at": messages[-1][2], "text": "\n".join(texts)[:MAX_TEXT], "kind": guess_kind("\n".join(texts)),
        "last_citizen_at": messages[-1][2], "replies_in_window": 0,
    }).scalar_one()
    db.execute(insert_message, [
        {"consultation_id": new_id, "direction": "in", "source": source, "text": texts[i], "author": None,
         "created_at": at}
        for i, (_, source, at) in enumerate(messages)
    ])
    return int(new_id)


@lru_cache(maxsize=1)
def _statements() -> tuple[Any, Any, Any, Any]:
    """The webhook's four statements (the citizen's open consultation, a new consultation, its
    messages, when the citizen's last recorded message came), built once on the tables rather
    than the mapped classes: SQLAlchemy then reuses their compiled form instead of rebuilding
    and re-keying them for every message (the last one, built per call on the mapped classes,
    was compiled afresh for every 人工 that had earlier messages to carry)."""
    consultations, messages = Consultation.__table__, ConsultationMessage.__table__
    open_one = (select(consultations.c.id)
                .where(consultations.c.openid == bindparam("openid"), consultations.c.status == "open")
                .order_by(consultations.c.id.desc()).limit(1))
    last_recorded = (select(func.max(messages.c.created_at))
                     .select_from(messages.join(consultations, messages.c.consultation_id == consultations.c.id))
                     .where(consultations.c.openid == bindparam("openid"), messages.c.direction == "in"))
    return open_one, insert(consultations).returning(consultations.c.id), insert(messages), last_recorded


def _once_each(before: list[Any], current: str) -> list[Any]:
    """The earlier messages without the ones sent again (a citizen told "没有保存，请稍后再发",
    or one who repeats a question, asked it once)."""
    seen = {current.strip()}
    kept = []
    for item in reversed(before):
        if item.text.strip() not in seen:
            seen.add(item.text.strip())
            kept.append(item)
    return kept[::-1]


def _append(db: Session | Connection, consultation_id: int, text: str, source: str, at: datetime) -> None:
    """One more message from the citizen in their open consultation.

    Plain statements, like ``_open``: every message from a citizen with an open
    consultation comes here, and through the ORM (load the consultation and all its
    messages, flush) it cost ~1.6 ms, so a soak slowed as unanswered consultations
    piled up and more of the messages were appends (bench/README.md)."""
    add, kind_by, texts, touch, touch_and_guess = _append_statements()
    db.execute(add, {"consultation_id": consultation_id, "direction": "in", "source": source,
                     "text": text[:MAX_TEXT], "author": None, "created_at": at})
    # Each message from the citizen reopens WeChat's window: 48 hours, 5 replies.
    values: dict[str, Any] = {"target": consultation_id, "last_citizen_at": at}
    if db.scalar(kind_by, {"target": consultation_id}) is None:  # staff have not set the kind: guess again
        values["kind"] = guess_kind("\n".join(db.scalars(texts, {"target": consultation_id})))
        db.execute(touch_and_guess, values)
    else:
        db.execute(touch, values)


@lru_cache(maxsize=1)
def _append_statements() -> tuple[Any, Any, Any, Any, Any]:
    """``_append``'s statements, built once on the tables (see ``_statements``)."""
    consultations, messages = Consultation.__table__, ConsultationMessage.__table__
    citizens_texts = (select(messages.c.text)
                      .where(messages.c.consultation_id == bindparam("target"), messages.c.direction == "in")
                      .order_by(messages.c.id))
    touch = (update(consultations).where(consultations.c.id == bindparam("target"))
             .values(last_citizen_at=bindparam("last_citizen_at"), replies_in_window=0))
    kind_by = select(consultations.c.kind_by).where(consultations.c.id == bindparam("target"))
    return insert(messages), kind_by, citizens_texts, touch, touch.values(kind=bindparam("kind"))


# --- kind -------------------------------------------------------------------------------

_COMPLAINT = re.compile("投诉|举报民警|举报警察|举报派出所|态度差|态度恶劣|态度不好|不作为|乱作为|刁难|推诿|推脱|吃拿卡要|乱罚款|乱收费|不给办|不理人")
_HELP = re.compile("求助|帮帮|帮忙找|救命|走失|失踪|找不到人|找不到孩子|找不到老人|被骗|被盗|被偷|被抢|被打|威胁|骚扰|家暴|跟踪")
_SUGGESTION = re.compile("建议|意见|希望能|希望增加|希望开通|能不能增加|能不能开通|可不可以增加|提个")


def guess_kind(text: str) -> str:
    """咨询 / 求助 / 投诉 / 建议 from the citizen's words; staff may correct it."""
    simple = to_simplified(text)
    if _COMPLAINT.search(simple):
        return "投诉"
    if _HELP.search(simple):
        return "求助"
    if _SUGGESTION.search(simple):
        return "建议"
    return "咨询"


def set_kind(db: Session, consultation_id: int, kind: str, by: str) -> Consultation:
    if kind not in KINDS:
        raise Invalid(f"类别只能是{'、'.join(KINDS)}之一")
    consultation = get(db, consultation_id)
    consultation.kind = kind
    consultation.kind_by = by
    db.commit()
    return consultation


# --- the inbox ----------------------------------------------------------------------------

def get(db: Session, consultation_id: int) -> Consultation:
    consultation = db.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(f"留言 {consultation_id} 不存在")
    return consultation


def deadline(created_at: datetime, days: int, tz: ZoneInfo) -> datetime:
    """``days`` working days (Monday to Friday; no holiday calendar) after it was received."""
    local = created_at.astimezone(tz)
    day, added = local.date(), 0
    while added < days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return datetime.combine(day, local.timetz()).astimezone(UTC)


@dataclass(frozen=True)
class InboxRow:
    consultation: Consultation
    due: datetime
    hours_left: float  # negative: overdue (open ones)

    @property
    def overdue(self) -> bool:
        return self.consultation.status == "open" and self.hours_left < 0


def inbox(db: Session, settings: ConsultationSettings, now: datetime, tz: ZoneInfo,
          status: str | None = None, limit: int = 200) -> list[InboxRow]:
    """Open ones first, oldest first; then answered ones, latest answered first."""
    if status not in (None, "open", "answered"):
        raise Invalid("状态只能是 open（待办理）或 answered（已办结）")
    rows: list[Consultation] = []
    if status in (None, "open"):
        rows += db.scalars(select(Consultation).where(Consultation.status == "open")
                           .order_by(Consultation.created_at, Consultation.id).limit(limit)).all()
    if status in (None, "answered"):
        rows += db.scalars(select(Consultation).where(Consultation.status == "answered")
                           .order_by(Consultation.answered_at.desc(), Consultation.id.desc()).limit(limit)).all()
    return [row_of(c, settings, now, tz) for c in rows]


def row_of(c: Consultation, settings: ConsultationSettings, now: datetime, tz: ZoneInfo) -> InboxRow:
    due = deadline(c.created_at, settings.target_days(c.kind), tz)
    end = c.answered_at if c.status == "answered" and c.answered_at else now
    return InboxRow(c, due, round((due - end).total_seconds() / 3600, 1))


def overdue_count(db: Session, settings: ConsultationSettings, now: datetime, tz: ZoneInfo) -> tuple[int, int]:
    """(open, overdue) for the dashboard."""
    rows = inbox(db, settings, now, tz, status="open", limit=10_000)
    return len(rows), sum(1 for r in rows if r.overdue)


# --- the annual report --------------------------------------------------------------------

def _year_bounds(year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def consultation_figures(session: Session, year: int, tz: ZoneInfo | str) -> dict[str, Any]:
    """留言办理 for the report: received in the local year ``year``, of which answered,
    and the average hours from received to answered (None when none was answered)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    start, end = _year_bounds(year, zone)
    rows = session.execute(
        select(Consultation.status, Consultation.created_at, Consultation.answered_at)
        .where(Consultation.created_at >= start, Consultation.created_at < end)
    ).all()
    hours = [(a - c).total_seconds() / 3600 for s, c, a in rows if s == "answered" and a is not None]
    return {
        "received": len(rows),
        "answered": len(hours),
        "avg_response_hours": round(sum(hours) / len(hours), 1) if hours else None,
    }


# --- erasing ------------------------------------------------------------------------------

def erase_for(db: Session, openid: str) -> int:
    """Unsubscribe: the openid and every message text go; the rows (counts, times) stay."""
    ids = list(db.scalars(select(Consultation.id).where(Consultation.openid == openid)))
    if not ids:
        return 0
    db.execute(update(ConsultationMessage).where(ConsultationMessage.consultation_id.in_(ids)).values(text=ERASED_TEXT))
    db.execute(update(Consultation).where(Consultation.id.in_(ids))
               .values(openid=None, text=ERASED_TEXT, answer_text=None))
    return len(ids)


def purge_old_texts(db: Session, now: datetime, keep_days: int) -> int:
    """Erase message texts older than ``keep_days``; returns how many consultations were touched."""
    cutoff = now - timedelta(days=keep_days)
    old = select(Consultation.id).where(Consultation.created_at < cutoff, Consultation.text != ERASED_TEXT)
    ids = list(db.scalars(old))
    if ids:
        db.execute(update(ConsultationMessage).where(ConsultationMessage.consultation_id.in_(ids))
                   .values(text=ERASED_TEXT))
        db.execute(update(Consultation).where(Consultation.id.in_(ids)).values(text=ERASED_TEXT, answer_text=None))
    db.commit()
    return len(ids)


def count(db: Session, status: str | None = None) -> int:
    query = select(func.count()).select_from(Consultation)
    if status:
        query = query.where(Consultation.status == status)
    return int(db.scalar(query) or 0)
