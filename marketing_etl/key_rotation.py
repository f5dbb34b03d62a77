"""`marketing-etl rotate-key`: re-encrypt every stored access token, and every schedule's
notification secrets (webhook secret, Slack URL), with the newest SECRET_KEY.

Run after putting a new key first in SECRET_KEY (`SECRET_KEY=new,old`) on every process; once it
reports no unreadable token, the old key can be removed. Tokens are walked page by page and each
is replaced by compare-and-set, so a token the API or a worker wrote meanwhile is kept as it is.
A token no key can read is reported by its job, schedule or connection id and left in place, never deleted:
adding the right key back to SECRET_KEY makes it readable again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marketing_etl.contracts.ciphertexts import TokenKind
from marketing_etl.services import Services

PAGE_SIZE = 500


@dataclass
class Rotation:
    rotated: dict[TokenKind, int] = field(default_factory=lambda: dict.fromkeys(TokenKind, 0))
    # Replaced or deleted by another process between our read and our write: left to that process.
    changed_meanwhile: int = 0
    unreadable: list[tuple[TokenKind, str]] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"Re-encrypted with the newest key: {self.rotated[TokenKind.JOB]} job token(s), "
            f"{self.rotated[TokenKind.SCHEDULE]} schedule token(s), "
            f"{self.rotated[TokenKind.CONNECTION]} connection token(s), "
            f"{self.rotated[TokenKind.NOTIFY_WEBHOOK]} schedule webhook secret(s), "
            f"{self.rotated[TokenKind.NOTIFY_SLACK]} schedule Slack URL(s)."
        ]
        if self.changed_meanwhile:
            lines.append(
                f"{self.changed_meanwhile} token(s) changed meanwhile and were left as they are; "
                "run rotate-key again once every process has the new SECRET_KEY."
            )
        if self.unreadable:
            lines.append(
                f"{len(self.unreadable)} token(s) cannot be read with any key in SECRET_KEY and were "
                "left in place; add their key back to SECRET_KEY and run rotate-key again, or send "
                "new access tokens:"
            )
            lines += [f"  {kind.value} {owner_id}" for kind, owner_id in self.unreadable]
        return "\n".join(lines)


def rotate_tokens(services: Services, *, page_size: int = PAGE_SIZE) -> Rotation:
    rotation = Rotation()
    for kind in TokenKind:
        after = ""
        while page := services.store.ciphertexts.page(kind, after, page_size):
            for owner_id, ciphertext in page:
                _rotate_one(services, rotation, kind, owner_id, ciphertext)
            after = page[-1][0]
    return rotation


def _rotate_one(services: Services, rotation: Rotation, kind: TokenKind, owner_id: str, old: bytes) -> None:
    new = services.vault.reencrypt(old)
    if new is None:
        rotation.unreadable.append((kind, owner_id))
    elif services.store.ciphertexts.replace(kind, owner_id, old, new):
        rotation.rotated[kind] += 1
    else:
        rotation.changed_meanwhile += 1
