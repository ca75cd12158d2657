"""Building one assistant of either API from its own random generator and the shared pools.

This is the hot path of a cold page: a record is a few dozen cheap draws over prepared pools
(personas with their long texts composed at start-up), never a Faker call.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mockserver.values import (
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


def variants(**choices: Sequence[Any]) -> tuple[dict[str, Any], ...]:
    """Every combination of independent small choices, built once.

    One draw among the combinations replaces one draw per field: the same distribution at a
    fraction of the cost. Records share these dicts, so nothing may mutate a built record.
    """
    keys = list(choices)
    return tuple(dict(zip(keys, combo, strict=True)) for combo in itertools.product(*choices.values()))


LLM_NUMBERS = variants(
    temperature=(0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
    max_tokens=(250, 500, 800, 1000, 1500),
    frequency_penalty=(0, 0, 0.1, 0.2),
    presence_penalty=(0, 0, 0.1),
)
INTERRUPTIONS = variants(
    interruption_threshold=(2, 3, 3, 4, 5),
    min_speaking_time=(0.3, 0.5, 0.8),
    interruption_cooldown=(1, 1.5, 2, 3),
)
TTS_TUNING = variants(
    model_id=ELEVENLABS_MODELS,
    latency=(1, 2, 3, 4),
    stability=(0.35, 0.5, 0.6, 0.75),
    similarity_boost=(0.5, 0.75, 0.8),
    style=(0, 0, 0.2),
    use_speaker_boost=(True, True, True, True, False),
)
ENDPOINTING = variants(silence_threshold=(300, 500, 800), min_silence_duration=(300, 500, 700))
# The leading, record-independent part of `stt_settings`; keywords and keyterms follow it.
STT_HEAD = tuple(
    {
        "model": model,
        "language": language,
        "punctuate": True,
        "interim_results": True,
        "endpointing": endpointing,
        "utterance_end_ms": utterance,
        "vad_turnoff": vad,
        "smart_format": True,
    }
    for model, language, endpointing, utterance, vad in itertools.product(
        DEEPGRAM_MODELS, LANGUAGES, ENDPOINTING, (1000, 1200, 1500), (300, 500, 700)
    )
)
RAG = variants(
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


def assistant_response(
    pools: Pools,
    rng: random.Random,
    *,
    id: int,
    organization_id: int,
    user_id: int,
    is_active: bool,
    index: int,
) -> Record:
    """An `AssistantResponse` of `GET /assistants`, fields in the vendor page's order."""
    pick, rand = picker(rng), rng.random
    p = pick(pools.personas)
    provider = weighted(rng, LLM_PROVIDER_WEIGHTS)
    base_url, key_prefix, models = LLM_PROVIDERS[provider]
    fallback = weighted(rng, FALLBACK_WEIGHTS[provider])
    fb_url, fb_prefix, fb_models = LLM_PROVIDERS[fallback]
    created = created_at(index, rng)
    transfer_on = rand() < 0.5
    numbers = pick(LLM_NUMBERS)
    return {
        "name": p.name,
        "description": p.description,
        "llm_provider": provider,
        "llm_provider_config": {
            "api_key": masked_key(rng, key_prefix),
            "base_url": base_url,
            "model": pick(models),
            "custom_config": {},
        },
        "twilio_config": None
        if rand() < 0.2
        else {"account_sid": twilio_sid(rng), "auth_token": token(rng, 32, HEX)},
        "llm_settings": {
            "temperature": numbers["temperature"],
            "max_tokens": numbers["max_tokens"],
            "system_prompt": p.system_prompt,
            "welcome_message": p.welcome,
            "top_p": 1,
            "frequency_penalty": numbers["frequency_penalty"],
            "presence_penalty": numbers["presence_penalty"],
            "stop_sequences": [],
        },
        "webhook_url": None if rand() < 0.3 else f"https://hooks.{p.domain}/voice/{p.role_slug}/events",
        "interruption_settings": pick(INTERRUPTIONS),
        "tts_settings": {
            "provider": "elevenlabs",
            "voice_id": p.voice_id,
            **pick(TTS_TUNING),
            "provider_config": {},
        },
        "stt_settings": {
            **pick(STT_HEAD),
            "keywords": [
                {"keyword": k, "intensifier": pick((1, 1.5, 2))}
                for k in sample(rng, KEYWORDS, pick((0, 1, 2, 3)))
            ],
            "keyterms": [p.company],
            "audio_denoising": rand() < 0.25,
        },
        "end_call_message": f"Thanks for calling {p.company}. Have a great day!",
        "transfer_call_message": "One moment, I'm connecting you with a colleague.",
        "idle_message": "Are you still there?",
        "max_idle_messages": pick((2, 3, 4)),
        "idle_timeout": pick((8, 10, 15, 20)),
        "tools_settings": {
            "enabled_tools": sorted(sample(rng, TOOLS, pick((1, 2, 3, 4)))),
            "end_call": {
                "enabled": True,
                "scenarios": sample(rng, SCENARIOS_END, 2),
                "custom_message": None,
            },
            "transfer_call": {
                "enabled": transfer_on,
                "scenarios": sample(rng, SCENARIOS_TRANSFER, 2) if transfer_on else [],
                "transfer_numbers": [e164(rng, pools.country_code)] if transfer_on else [],
                "custom_message": None,
            },
            "custom_tools": [],
        },
        "rag_settings": pick(RAG),
        "llm_fallback_providers": {
            "enabled": rand() < 0.3,
            "fallbacks": [
                {
                    "provider": fallback,
                    "api_key": masked_key(rng, fb_prefix),
                    "base_url": fb_url,
                    "model": pick(fb_models),
                }
            ],
        },
        "custom_settings": {},
        "is_active": is_active,
        "id": id,
        "organization_id": organization_id,
        "user_id": user_id,
        "created_at": iso(created),
        "updated_at": iso(updated_after(created, rng)),
    }


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
