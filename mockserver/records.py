"""Building one assistant of either API from its own random generator and the shared pools."""

from __future__ import annotations

import random
import time
from typing import Any

from mockserver.values import (
    ACTIONS,
    CHUNKING_STRATEGIES,
    DEEPGRAM_MODELS,
    ELEVENLABS_MODELS,
    ELEVENLABS_VOICES,
    EMBEDDING_MODELS,
    HEX,
    INDUSTRIES,
    INTEGRATION_ERRORS,
    INTEGRATIONS,
    KEYWORDS,
    LANGUAGES,
    LLM_PROVIDER_WEIGHTS,
    LLM_PROVIDERS,
    ROLES,
    SCENARIOS_END,
    SCENARIOS_TRANSFER,
    SUGGESTED_MESSAGES,
    TOOLS,
    Pools,
    e164,
    masked_key,
    slug,
    token,
    twilio_sid,
    weighted,
)

Record = dict[str, Any]

# Creation times grow with the index but stay within a fixed window whatever the count:
# t(i) = START + SPAN * i / (i + HALF_LIFE). The first HALF_LIFE records fill half the window.
TIMELINE_START = 1672531200  # 2023-01-01T00:00:00Z
TIMELINE_SPAN = 900 * 86400
TIMELINE_HALF_LIFE = 400


def created_at(index: int, rng: random.Random) -> int:
    base = TIMELINE_START + TIMELINE_SPAN * index // (index + TIMELINE_HALF_LIFE)
    # Jitter below the gap to the next index keeps the order strictly by index where it can.
    gap = TIMELINE_SPAN * TIMELINE_HALF_LIFE // ((index + TIMELINE_HALF_LIFE) ** 2)
    return base + (rng.randrange(gap) if gap > 1 else 0)


def updated_after(created: int, rng: random.Random) -> int:
    # A third of assistants were never edited; the rest were, up to four months later.
    return created if rng.random() < 0.33 else created + rng.randrange(60, 120 * 86400)


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _with_article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _persona(pools: Pools, rng: random.Random) -> dict[str, str]:
    """Who the assistant is; its first name is that of its ElevenLabs voice."""
    role, duty, handoff = rng.choice(ROLES)
    voice_id, voice = rng.choice(ELEVENLABS_VOICES)
    return {
        "voice_id": voice_id,
        "first_name": voice,
        "company": rng.choice(pools.companies),
        "role": role,
        "duty": duty,
        "handoff": handoff,
        "industry": _with_article(rng.choice(INDUSTRIES)),
        "city": rng.choice(pools.cities),
        "domain": rng.choice(pools.domains),
    }


def _system_prompt(p: dict[str, str]) -> str:
    return (
        f"You are {p['first_name']}, the {p['role'].lower()} for {p['company']}, {p['industry']} "
        f"based in {p['city']}. You {p['duty']}. Hand {p['handoff']} over to a human colleague. "
        "Keep answers to one or two sentences, confirm names, dates and numbers back to the "
        "caller, and never promise anything you cannot look up."
    )


def _welcome(p: dict[str, str]) -> str:
    return f"Hi, thanks for calling {p['company']}! This is {p['first_name']}. How can I help you today?"


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
    p = _persona(pools, rng)
    provider = weighted(rng, LLM_PROVIDER_WEIGHTS)
    base_url, key_prefix, models = LLM_PROVIDERS[provider]
    fallback = weighted(rng, tuple(pw for pw in LLM_PROVIDER_WEIGHTS if pw[0] != provider))
    fb_url, fb_prefix, fb_models = LLM_PROVIDERS[fallback]
    created = created_at(index, rng)
    transfer_on = rng.random() < 0.5
    return {
        "name": f"{p['company']} {p['role']}",
        "description": f"{p['role']} for {p['company']}. Used to {p['duty']}.",
        "llm_provider": provider,
        "llm_provider_config": {
            "api_key": masked_key(rng, key_prefix),
            "base_url": base_url,
            "model": rng.choice(models),
            "custom_config": {},
        },
        "twilio_config": None
        if rng.random() < 0.2
        else {"account_sid": twilio_sid(rng), "auth_token": token(rng, 32, HEX)},
        "llm_settings": {
            "temperature": rng.choice((0.2, 0.3, 0.4, 0.5, 0.6, 0.7)),
            "max_tokens": rng.choice((250, 500, 800, 1000, 1500)),
            "system_prompt": _system_prompt(p),
            "welcome_message": _welcome(p),
            "top_p": 1,
            "frequency_penalty": rng.choice((0, 0, 0.1, 0.2)),
            "presence_penalty": rng.choice((0, 0, 0.1)),
            "stop_sequences": [],
        },
        "webhook_url": None
        if rng.random() < 0.3
        else f"https://hooks.{p['domain']}/voice/{slug(p['role'])}/events",
        "interruption_settings": {
            "interruption_threshold": rng.randint(2, 5),
            "min_speaking_time": rng.choice((0.3, 0.5, 0.8)),
            "interruption_cooldown": rng.choice((1, 1.5, 2, 3)),
        },
        "tts_settings": {
            "provider": "elevenlabs",
            "voice_id": p["voice_id"],
            "model_id": rng.choice(ELEVENLABS_MODELS),
            "latency": rng.randint(1, 4),
            "stability": rng.choice((0.35, 0.5, 0.6, 0.75)),
            "similarity_boost": rng.choice((0.5, 0.75, 0.8)),
            "style": rng.choice((0, 0, 0.2)),
            "use_speaker_boost": rng.random() < 0.8,
            "provider_config": {},
        },
        "stt_settings": {
            "model": rng.choice(DEEPGRAM_MODELS),
            "language": rng.choice(LANGUAGES),
            "punctuate": True,
            "interim_results": True,
            "endpointing": {
                "silence_threshold": rng.choice((300, 500, 800)),
                "min_silence_duration": rng.choice((300, 500, 700)),
            },
            "utterance_end_ms": rng.choice((1000, 1200, 1500)),
            "vad_turnoff": rng.choice((300, 500, 700)),
            "smart_format": True,
            "keywords": [
                {"keyword": k, "intensifier": rng.choice((1, 1.5, 2))}
                for k in rng.sample(KEYWORDS, rng.randint(0, 3))
            ],
            "keyterms": [p["company"]],
            "audio_denoising": rng.random() < 0.25,
        },
        "end_call_message": f"Thanks for calling {p['company']}. Have a great day!",
        "transfer_call_message": "One moment, I'm connecting you with a colleague.",
        "idle_message": "Are you still there?",
        "max_idle_messages": rng.randint(2, 4),
        "idle_timeout": rng.choice((8, 10, 15, 20)),
        "tools_settings": {
            "enabled_tools": sorted(rng.sample(TOOLS, rng.randint(1, 4))),
            "end_call": {
                "enabled": True,
                "scenarios": rng.sample(SCENARIOS_END, 2),
                "custom_message": None,
            },
            "transfer_call": {
                "enabled": transfer_on,
                "scenarios": rng.sample(SCENARIOS_TRANSFER, 2) if transfer_on else [],
                "transfer_numbers": [e164(rng, pools.country_code)] if transfer_on else [],
                "custom_message": None,
            },
            "custom_tools": [],
        },
        "rag_settings": {
            "enabled": rng.random() < 0.4,
            "search_limit": rng.choice((3, 5, 8)),
            "similarity_threshold": rng.choice((0.6, 0.7, 0.75, 0.8)),
            "embedding_model": rng.choice(EMBEDDING_MODELS),
            "chunking_strategy": rng.choice(CHUNKING_STRATEGIES),
            "chunk_size": rng.choice((500, 800, 1000, 1500)),
            "chunk_overlap": rng.choice((100, 150, 200)),
            "auto_process": True,
            "include_metadata": True,
            "context_window_tokens": rng.choice((2000, 4000, 8000)),
        },
        "llm_fallback_providers": {
            "enabled": rng.random() < 0.3,
            "fallbacks": [
                {
                    "provider": fallback,
                    "api_key": masked_key(rng, fb_prefix),
                    "base_url": fb_url,
                    "model": rng.choice(fb_models),
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
    created = parent_created + rng.randrange(0, 30 * 86400)
    return iso(created), iso(updated_after(created, rng))


def org_assistant(pools: Pools, rng: random.Random, *, index: int, prefix: str = "ast_") -> Record:
    """An `Assistant` of `GET /orgs/{org_id}/assistants`, its children pointing back at it."""
    p = _persona(pools, rng)
    assistant_id = prefix + token(rng, 20)
    created = created_at(index, rng)
    integrations = []
    for integration_id in sorted(set(rng.sample(INTEGRATIONS, rng.randint(1, 3)))):
        c, u = _child_times(created, rng)
        internal = integration_id == "internal"
        integrations.append(
            {
                "id": "int_" + token(rng, 20),
                "enabled": rng.random() < 0.85,
                "integration_id": integration_id,
                "assistant_id": assistant_id,
                "connection_id": None if internal else "conn_" + token(rng, 20),
                "config": {} if internal else {"channel": f"#{slug(p['role'])}"},
                "error": None if internal or rng.random() < 0.9 else rng.choice(INTEGRATION_ERRORS),
                "created_at": c,
                "updated_at": u,
            }
        )
    actions = []
    for action_id, name, instructions in rng.sample(ACTIONS, rng.randint(0, 3)):
        c, u = _child_times(created, rng)
        actions.append(
            {
                "id": "act_" + token(rng, 20),
                "enabled": rng.random() < 0.9,
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
        "name": f"{p['first_name']} · {p['company']} {p['role']}",
        "enabled": rng.random() < 0.8,
        "secret_key": token(rng, 64, HEX),
        "avatar_url": None
        if rng.random() < 0.25
        else f"https://cdn.{p['domain']}/avatars/{slug(p['first_name'])}-{assistant_id[-6:].lower()}.png",
        "config": {
            "language": rng.choice(("auto", "auto", *LANGUAGES)),
            "model": rng.choice(LLM_PROVIDERS["openai"][2] + LLM_PROVIDERS["anthropic"][2]),
            "stt": {"model": rng.choice(DEEPGRAM_MODELS)},
            "tts": {"model": rng.choice(ELEVENLABS_MODELS), "voice_id": p["voice_id"]},
            "conversation": {
                "thread_mode": rng.choice(("new", "new", "continue")),
                "enable_memories": rng.random() < 0.5,
                "enable_transfer_to_human_tool": rng.random() < 0.6,
                "welcome_banner": f"Welcome to {p['company']}",
                "suggested_messages": rng.sample(SUGGESTED_MESSAGES, 3),
                "auto_intro_message": _welcome(p),
                "enable_end_conversation_tool": True,
                "enable_block_contact_tool": rng.random() < 0.3,
                "enable_private_chats": rng.random() < 0.4,
            },
            "knowledge_scope": rng.choice(("all", "all", "none")),
            "instructions": _system_prompt(p),
        },
        "integrations": integrations,
        "actions": actions,
        "created_at": iso(created),
        "updated_at": iso(updated_after(created, rng)),
    }
