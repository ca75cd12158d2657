"""Building one assistant of either API from its own random generator and the shared pools.

This is the hot path of a cold page: a record is a few dozen cheap draws over prepared pools
(personas with their long texts composed at start-up), never a Faker call.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from mockserver.mock.values import (
    ACTIONS,
    CHUNKING_STRATEGIES,
    DEEPGRAM_MODELS,
    ELEVENLABS_MODELS,
    EMBEDDING_MODELS,
    HEX,
    INTEGRATION_ERRORS,
    INTEGRATIONS,
    KEYWORDS,
    LANGUAGES,
    LLM_PROVIDER_WEIGHTS,
    LLM_PROVIDERS,
    SCENARIOS_END,
    SCENARIOS_TRANSFER,
    SUGGESTED_MESSAGES,
    TOOLS,
    Pools,
    compact_json,
    e164,
    masked_key,
    token,
    twilio_sid,
    weighted,
)

Record = dict[str, Any]
T = TypeVar("T")

# Creation times grow with the index but stay within a fixed window whatever the count:
# t(i) = START + SPAN * i / (i + HALF_LIFE). The first HALF_LIFE records fill half the window.
TIMELINE_START = 1672531200  # 2023-01-01T00:00:00Z
TIMELINE_SPAN = 900 * 86400
TIMELINE_HALF_LIFE = 400
FALLBACK_WEIGHTS = {
    provider: tuple(pw for pw in LLM_PROVIDER_WEIGHTS if pw[0] != provider) for provider in LLM_PROVIDERS
}
ORG_MODELS = LLM_PROVIDERS["openai"][2] + LLM_PROVIDERS["anthropic"][2]
CONFIG_LANGUAGES = ("auto", "auto", *LANGUAGES)


J = compact_json


def _inner(value: dict[str, Any]) -> bytes:
    """The members of a serialized object, without its braces, to splice into another."""
    return J(value)[1:-1]


def variants(**choices: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """Every combination of independent small choices.

    One draw among the combinations replaces one draw per field: the same distribution at a
    fraction of the cost. Only their serialized forms are kept (below), not the dicts.
    """
    keys = list(choices)
    for combo in itertools.product(*choices.values()):
        yield dict(zip(keys, combo, strict=True))


# Serialized once at import; a record splices these bytes together.
LLM_NUMBERS_J = tuple(
    (
        _inner({"temperature": v["temperature"], "max_tokens": v["max_tokens"]}),
        _inner({"frequency_penalty": v["frequency_penalty"], "presence_penalty": v["presence_penalty"]}),
    )
    for v in variants(
        temperature=(0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
        max_tokens=(250, 500, 800, 1000, 1500),
        frequency_penalty=(0, 0, 0.1, 0.2),
        presence_penalty=(0, 0, 0.1),
    )
)
INTERRUPTIONS_J = tuple(
    J(v)
    for v in variants(
        interruption_threshold=(2, 3, 3, 4, 5),
        min_speaking_time=(0.3, 0.5, 0.8),
        interruption_cooldown=(1, 1.5, 2, 3),
    )
)
TTS_TUNING_J = tuple(
    _inner(v)
    for v in variants(
        model_id=ELEVENLABS_MODELS,
        latency=(1, 2, 3, 4),
        stability=(0.35, 0.5, 0.6, 0.75),
        similarity_boost=(0.5, 0.75, 0.8),
        style=(0, 0, 0.2),
        use_speaker_boost=(True, True, True, True, False),
    )
)
# The leading, record-independent part of `stt_settings`; keywords and keyterms follow it.
STT_HEAD_J = tuple(
    _inner(v)
    for v in variants(
        model=DEEPGRAM_MODELS,
        language=LANGUAGES,
        punctuate=(True,),
        interim_results=(True,),
        endpointing=tuple(variants(silence_threshold=(300, 500, 800), min_silence_duration=(300, 500, 700))),
        utterance_end_ms=(1000, 1200, 1500),
        vad_turnoff=(300, 500, 700),
        smart_format=(True,),
    )
)
RAG_J = tuple(
    J(v)
    for v in variants(
        enabled=(True, True, False, False, False),
        search_limit=(3, 5, 8),
        similarity_threshold=(0.6, 0.7, 0.75, 0.8),
        embedding_model=EMBEDDING_MODELS,
        chunking_strategy=CHUNKING_STRATEGIES,
        chunk_size=(500, 800, 1000, 1500),
        chunk_overlap=(100, 150, 200),
        auto_process=(True,),
        include_metadata=(True,),
        context_window_tokens=(2000, 4000, 8000),
    )
)


def created_at(index: int, rng: random.Random) -> int:
    base = TIMELINE_START + TIMELINE_SPAN * index // (index + TIMELINE_HALF_LIFE)
    # Jitter below the gap to the next index keeps the order strictly by index where it can.
    gap = TIMELINE_SPAN * TIMELINE_HALF_LIFE // ((index + TIMELINE_HALF_LIFE) ** 2)
    return base + (int(rng.random() * gap) if gap > 1 else 0)


def updated_after(created: int, rng: random.Random) -> int:
    # A third of assistants were never edited; the rest were, up to four months later.
    roll = rng.random()
    return created if roll < 0.33 else created + 60 + int((roll - 0.33) / 0.67 * 120 * 86400)


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def picker(rng: random.Random) -> Callable[[Sequence[T]], T]:
    """`rng.choice` without its argument checks: a third of the cost on this hot path."""
    rand = rng.random

    def pick(seq: Sequence[T]) -> T:
        return seq[int(rand() * len(seq))]

    return pick


def sample(rng: random.Random, seq: Sequence[T], k: int) -> list[T]:
    """`rng.sample` for tiny tuples; the stdlib's ABC type check costs more than the draw."""
    pool, rand, out = list(seq), rng.random, []
    for _ in range(k):
        out.append(pool.pop(int(rand() * len(pool))))
    return out


# provider -> (`"llm_provider":...,"llm_provider_config":{"api_key":` , tails per model)
PROVIDER_J = {
    name: (
        b'"llm_provider":' + J(name) + b',"llm_provider_config":{"api_key":',
        tuple(_inner({"base_url": url, "model": m, "custom_config": {}}) for m in models),
    )
    for name, (url, _prefix, models) in LLM_PROVIDERS.items()
}
FALLBACK_J = {
    name: (
        b'{"provider":' + J(name) + b',"api_key":',
        tuple(_inner({"base_url": url, "model": m}) for m in models),
    )
    for name, (url, _prefix, models) in LLM_PROVIDERS.items()
}
KEYWORDS_J = tuple(tuple(J({"keyword": k, "intensifier": i}) for i in (1, 1.5, 2)) for k in KEYWORDS)
MIDDLE_J = (
    b',"transfer_call_message":'
    + J("One moment, I'm connecting you with a colleague.")
    + (b',"idle_message":' + J("Are you still there?"))
)
BOOL_J = {True: b"true", False: b"false"}


def _quoted(text: str) -> bytes:
    """A JSON string for text known to need no escaping (tokens, times, phone numbers)."""
    return b'"' + text.encode() + b'"'


def _list(values: list[str]) -> bytes:
    return J(values)


def assistant_response_json(
    pools: Pools,
    rng: random.Random,
    *,
    id: int,
    organization_id: int,
    user_id: int,
    is_active: bool,
    index: int,
) -> bytes:
    """An `AssistantResponse` of `GET /assistants` as JSON, fields in the vendor page's order.

    Built by splicing pre-serialized pieces: the hot path of a cold page does a few dozen draws
    and one join, no dict building and no serializing of long texts.
    """
    pick, rand = picker(rng), rng.random
    p = pick(pools.personas)
    pj = p.json
    provider = weighted(rng, LLM_PROVIDER_WEIGHTS)
    _url, key_prefix, _models = LLM_PROVIDERS[provider]
    provider_head, provider_tails = PROVIDER_J[provider]
    fallback = weighted(rng, FALLBACK_WEIGHTS[provider])
    fallback_head, fallback_tails = FALLBACK_J[fallback]
    numbers_head, numbers_tail = pick(LLM_NUMBERS_J)
    created = created_at(index, rng)
    updated = updated_after(created, rng)
    twilio = (
        b"null"
        if rand() < 0.2
        else b'{"account_sid":"'
        + twilio_sid(rng).encode()
        + b'","auth_token":"'
        + token(rng, 32, HEX).encode()
        + b'"}'
    )
    keywords = b",".join(pick(KEYWORDS_J[i]) for i in sample(rng, range(len(KEYWORDS)), pick((0, 1, 2, 3))))
    transfer_on = rand() < 0.5
    if transfer_on:
        transfer = (
            b'{"enabled":true,"scenarios":'
            + _list(sample(rng, SCENARIOS_TRANSFER, 2))
            + b',"transfer_numbers":["'
            + e164(rng, pools.country_code).encode()
            + b'"],"custom_message":null}'
        )
    else:
        transfer = b'{"enabled":false,"scenarios":[],"transfer_numbers":[],"custom_message":null}'
    parts = (
        b'{"name":',
        pj["name"],
        b',"description":',
        pj["description"],
        b",",
        provider_head,
        _quoted(masked_key(rng, key_prefix)),
        b",",
        pick(provider_tails),
        b"}",
        b',"twilio_config":',
        twilio,
        b',"llm_settings":{',
        numbers_head,
        b',"system_prompt":',
        pj["system_prompt"],
        b',"welcome_message":',
        pj["welcome"],
        b',"top_p":1,',
        numbers_tail,
        b',"stop_sequences":[]}',
        b',"webhook_url":',
        b"null" if rand() < 0.3 else pj["webhook"],
        b',"interruption_settings":',
        pick(INTERRUPTIONS_J),
        b',"tts_settings":{"provider":"elevenlabs","voice_id":',
        pj["voice_id"],
        b",",
        pick(TTS_TUNING_J),
        b',"provider_config":{}}',
        b',"stt_settings":{',
        pick(STT_HEAD_J),
        b',"keywords":[',
        keywords,
        b'],"keyterms":',
        pj["keyterms"],
        b',"audio_denoising":',
        BOOL_J[rand() < 0.25],
        b"}",
        b',"end_call_message":',
        pj["end_call"],
        MIDDLE_J,
        b',"max_idle_messages":',
        str(pick((2, 3, 4))).encode(),
        b',"idle_timeout":',
        str(pick((8, 10, 15, 20))).encode(),
        b',"tools_settings":{"enabled_tools":',
        _list(sorted(sample(rng, TOOLS, pick((1, 2, 3, 4))))),
        b',"end_call":{"enabled":true,"scenarios":',
        _list(sample(rng, SCENARIOS_END, 2)),
        b',"custom_message":null},"transfer_call":',
        transfer,
        b',"custom_tools":[]}',
        b',"rag_settings":',
        pick(RAG_J),
        b',"llm_fallback_providers":{"enabled":',
        BOOL_J[rand() < 0.3],
        b',"fallbacks":[',
        fallback_head,
        _quoted(masked_key(rng, LLM_PROVIDERS[fallback][1])),
        b",",
        pick(fallback_tails),
        b"}]}",
        b',"custom_settings":{},"is_active":',
        BOOL_J[is_active],
        b',"id":',
        str(id).encode(),
        b',"organization_id":',
        str(organization_id).encode(),
        b',"user_id":',
        str(user_id).encode(),
        b',"created_at":"',
        iso(created).encode(),
        b'","updated_at":"',
        iso(updated).encode(),
        b'"}',
    )
    return b"".join(parts)


def _child_times(parent_created: int, rng: random.Random) -> tuple[str, str]:
    created = parent_created + int(rng.random() * 30 * 86400)
    return iso(created), iso(updated_after(created, rng))


def org_assistant(pools: Pools, rng: random.Random, *, index: int, prefix: str = "ast_") -> Record:
    """An `Assistant` of `GET /orgs/{org_id}/assistants`, its children pointing back at it."""
    pick, rand = picker(rng), rng.random
    p = pick(pools.personas)
    assistant_id = prefix + token(rng, 20)
    created = created_at(index, rng)
    integrations = []
    for integration_id in sorted(set(sample(rng, INTEGRATIONS, pick((1, 2, 3))))):
        c, u = _child_times(created, rng)
        internal = integration_id == "internal"
        integrations.append(
            {
                "id": "int_" + token(rng, 20),
                "enabled": rand() < 0.85,
                "integration_id": integration_id,
                "assistant_id": assistant_id,
                "connection_id": None if internal else "conn_" + token(rng, 20),
                "config": {} if internal else {"channel": f"#{p.role_slug}"},
                "error": None if internal or rand() < 0.9 else pick(INTEGRATION_ERRORS),
                "created_at": c,
                "updated_at": u,
            }
        )
    actions = []
    for action_id, name, instructions in sample(rng, ACTIONS, pick((0, 1, 2, 3))):
        c, u = _child_times(created, rng)
        actions.append(
            {
                "id": "act_" + token(rng, 20),
                "enabled": rand() < 0.9,
                "name": name,
                "instructions": instructions,
                "action_id": action_id,
                "assistant_id": assistant_id,
                "connection_id": "conn_" + token(rng, 20),
                "config": {
                    "input": {},
                    "definitions": [
                        {"path": "summary", "definition": {"type": "string", "description": instructions}}
                    ],
                },
                "created_at": c,
                "updated_at": u,
            }
        )
    return {
        "id": assistant_id,
        "name": f"{p.first_name} · {p.company} {p.role}",
        "enabled": rand() < 0.8,
        "secret_key": token(rng, 64, HEX),
        "avatar_url": None
        if rand() < 0.25
        else f"https://cdn.{p.domain}/avatars/{p.voice_slug}-{assistant_id[-6:].lower()}.png",
        "config": {
            "language": pick(CONFIG_LANGUAGES),
            "model": pick(ORG_MODELS),
            "stt": {"model": pick(DEEPGRAM_MODELS)},
            "tts": {"model": pick(ELEVENLABS_MODELS), "voice_id": p.voice_id},
            "conversation": {
                "thread_mode": pick(("new", "new", "continue")),
                "enable_memories": rand() < 0.5,
                "enable_transfer_to_human_tool": rand() < 0.6,
                "welcome_banner": f"Welcome to {p.company}",
                "suggested_messages": sample(rng, SUGGESTED_MESSAGES, 3),
                "auto_intro_message": p.welcome,
                "enable_end_conversation_tool": True,
                "enable_block_contact_tool": rand() < 0.3,
                "enable_private_chats": rand() < 0.4,
            },
            "knowledge_scope": pick(("all", "all", "none")),
            "instructions": p.system_prompt,
        },
        "integrations": integrations,
        "actions": actions,
        "created_at": iso(created),
        "updated_at": iso(updated_after(created, rng)),
    }
