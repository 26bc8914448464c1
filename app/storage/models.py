"""SQLAlchemy 2 typed ORM models.

Steps and decisions are stored as a validated JSON document on the profile
(``content``) and on each immutable version, not as normalised tables: they
are always read and written together with their profile, their order and
cross references (decision → step numbers) are validated as a whole by the
domain model, versions must snapshot them atomically, and no query filters
on single steps. Fields that are filtered, sorted or joined on (state,
visibility, municipality, external id, process key, title) are real columns.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from retrieval.schema import define_tables

JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSONType, list[Any]: JSONType}


class MunicipalityRow(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str | None] = mapped_column(String(100), unique=True)
    land: Mapped[str | None] = mapped_column(String(50))
    ags: Mapped[str | None] = mapped_column(String(8))
    ags_fictional: Mapped[bool] = mapped_column(Boolean, default=False)
    population: Mapped[int | None] = mapped_column(Integer)
    hourly_rate_eur: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    users: Mapped[list["UserRow"]] = relationship(back_populates="municipality")


class UserRow(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Network operator: manages users of every municipality. Granted only on the command line.
    network_operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Browser sessions carry this number; raising it (logout, new password) ends every older session.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Optional: where notices and password-reset links go when SMTP is configured.
    email: Mapped[str | None] = mapped_column(String(254))
    # Set with a one-time password from an admin: every page asks for a new password first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    municipality: Mapped[MunicipalityRow] = relationship(back_populates="users", lazy="joined")


class ApiTokenRow(Base):
    """API tokens are stored as SHA-256 hashes only; revoking sets ``revoked_at``."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[UserRow] = relationship(lazy="joined")


class LoginAttemptRow(Base):
    """Failed sign-ins, for throttling across all workers."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"), Index("ix_login_attempt_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProfileRow(Base):
    """The current state of a process profile; its history lives in ``ProfileVersionRow``."""

    __tablename__ = "process_profile"
    __table_args__ = (
        UniqueConstraint("municipality_id", "external_id", name="uq_profile_municipality_external_id"),
        Index("ix_profile_state_visibility", "state", "visibility"),
        Index("ix_profile_municipality_state", "municipality_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    process_key: Mapped[str | None] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(30), default="draft")
    visibility: Mapped[str] = mapped_column(String(20), default="intern")
    source: Mapped[str | None] = mapped_column(String(500))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interview.id", ondelete="SET NULL"), index=True)
    reused_profile_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    municipality: Mapped[MunicipalityRow] = relationship(lazy="joined")
    versions: Mapped[list["ProfileVersionRow"]] = relationship(
        back_populates="profile", order_by="ProfileVersionRow.version", cascade="all, delete-orphan"
    )


class ProfileVersionRow(Base):
    """An immutable snapshot of a profile, written on every accepted change of its content.

    Status changes (submitted, approved, published …) are no versions; they are audit events."""

    __tablename__ = "profile_version"
    __table_args__ = (UniqueConstraint("profile_id", "version", name="uq_profile_version_profile_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("process_profile.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    profile: Mapped[ProfileRow] = relationship(back_populates="versions")


@event.listens_for(ProfileVersionRow, "before_update")
def _versions_are_immutable(_mapper, _connection, target: ProfileVersionRow) -> None:
    raise ValueError(f"Profile version {target.profile_id}/{target.version} is immutable.")


class InterviewRow(Base):
    __tablename__ = "interview"
    __table_args__ = (Index("ix_interview_municipality_status", "municipality_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="open")
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), index=True)
    draft: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    dialogue_state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    draft_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_profile.id", ondelete="SET NULL", use_alter=True, name="fk_interview_draft_profile_id")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    messages: Mapped[list["InterviewMessageRow"]] = relationship(
        back_populates="interview", order_by="InterviewMessageRow.seq", cascade="all, delete-orphan"
    )


class InterviewMessageRow(Base):
    __tablename__ = "interview_message"
    __table_args__ = (
        UniqueConstraint("interview_id", "seq", name="uq_interview_message_interview_seq"),
        UniqueConstraint("interview_id", "client_id", name="uq_interview_message_interview_client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    slot: Mapped[str | None] = mapped_column(String(40))
    suggestions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    client_id: Mapped[str | None] = mapped_column(String(100))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("interview_message.id", ondelete="SET NULL"))
    # A clerk message is being answered until then; a retry after it expires answers it (worker crashed).
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    interview: Mapped[InterviewRow] = relationship(back_populates="messages")


class ReviewCommentRow(Base):
    __tablename__ = "review_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("process_profile.id", ondelete="CASCADE"), index=True)
    step_n: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEventRow(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    detail: Mapped[str | None] = mapped_column(Text)


class InterviewDraftVersionRow(Base):
    """The interview's draft after each change the clerk made in the draft panel (and the chat's state before it).

    ``kind``: ``chat`` (as the conversation left it), ``edit`` (panel change), ``undo``.
    """

    __tablename__ = "interview_draft_version"
    __table_args__ = (UniqueConstraint("interview_id", "version", name="uq_interview_draft_version_interview_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NotificationRow(Base):
    """An in-app notice ("Neuigkeiten") for a user: a modeller commented, asked for changes or published."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("process_profile.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InstanceSetupRow(Base):
    """One row once the first admin was created: the insert of id 1 makes two concurrent set-ups create one."""

    __tablename__ = "instance_setup"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    done_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# The search index's shared state lives in this database too, so that every
# serving process and CLI job agrees on it; retrieval/schema.py says why.
SEARCH_TABLES = define_tables(Base.metadata)
