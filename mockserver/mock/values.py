"""Realistic field values: Faker pools prepared once per (seed, locale), plus domain tables.

A record is composed from these pools with its own `random.Random`, so building one costs a few
dozen cheap choices instead of dozens of Faker calls, and depends only on its own seed.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

import orjson
from faker import Faker

POOL_SIZE = 256

# Provider -> (base URL, masked key prefix, models). Models are ones these vendors really serve.
LLM_PROVIDERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "openai": (
        "https://api.openai.com/v1",
        "sk-proj-",
        ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4-turbo", "o3-mini"),
    ),
    "anthropic": (
        "https://api.anthropic.com/v1",
        "sk-ant-api03-",
        ("claude-3-5-sonnet-latest", "claude-3-5-haiku-latest", "claude-3-7-sonnet-latest"),
    ),
    "groq": (
        "https://api.groq.com/openai/v1",
        "gsk_",
        ("llama-3.3-70b-versatile", "llama-3.1-8b-instant", "mixtral-8x7b-32768"),
    ),
    "google": (
        "https://generativelanguage.googleapis.com/v1beta",
        "AIza",
        ("gemini-2.0-flash", "gemini-1.5-pro", "gemini-1.5-flash"),
    ),
    "mistral": (
        "https://api.mistral.ai/v1",
        "",
        ("mistral-large-latest", "mistral-small-latest", "open-mistral-nemo"),
    ),
}
# Most deployments use OpenAI; weights make the mix look like a real customer base.
LLM_PROVIDER_WEIGHTS = (("openai", 55), ("anthropic", 20), ("groq", 12), ("google", 8), ("mistral", 5))

# ElevenLabs premade voices: (voice id, name).
ELEVENLABS_VOICES = (
    ("21m00Tcm4TlvDq8ikWAM", "Rachel"),
    ("29vD33N1CtxCmqQRPOHJ", "Drew"),
    ("2EiwWnXFnvU5JabPnv8n", "Clyde"),
    ("AZnzlk1XvdvUeBnXmlld", "Domi"),
    ("EXAVITQu4vr4xnSDxMaL", "Sarah"),
    ("ErXwobaYiN019PkySvjV", "Antoni"),
    ("GBv7mTt0atIp3Br8iCZE", "Thomas"),
    ("IKne3meq5aSn9XLyUdCD", "Charlie"),
    ("JBFqnCBsd6RMkjVDRZzb", "George"),
    ("LcfcDJNUP1GQjkzn1xUU", "Emily"),
    ("MF3mGyEYCl7XYWbV9V6O", "Elli"),
    ("N2lVS1w4EtoT3dr4eOWO", "Callum"),
    ("TX3LPaxmHKxFdv7VOQHJ", "Liam"),
    ("ThT5KcBeYPX3keUQqHPh", "Dorothy"),
    ("TxGEqnHWrfWFTfGW9XjX", "Josh"),
    ("XB0fDUnXU5powFXDhCwa", "Charlotte"),
    ("Xb7hH8MSUJpSbSDYk0k2", "Alice"),
    ("XrExE9yKIg1WjnnlVkGX", "Matilda"),
    ("cgSgspJ2msm6clMCkdW9", "Jessica"),
    ("iP95p4xoKVk53GoZ742B", "Chris"),
    ("nPczCjzI2devNBz1zQrb", "Brian"),
    ("onwK4e9ZLuTAKqWW03F9", "Daniel"),
    ("pFZP5JQG7iQjIQuC4Bku", "Lily"),
    ("pNInz6obpgDQGcFmaJgB", "Adam"),
)
ELEVENLABS_MODELS = ("eleven_turbo_v2_5", "eleven_flash_v2_5", "eleven_multilingual_v2")
DEEPGRAM_MODELS = ("nova-2", "nova-2-phonecall", "nova-2-general", "nova-3", "enhanced")
LANGUAGES = (
    "en-US",
    "en-US",
    "en-US",
    "en-GB",
    "en-AU",
    "es-ES",
    "es-419",
    "fr-FR",
    "de-DE",
    "pt-BR",
    "it-IT",
    "nl-NL",
    "ja-JP",
    "hi-IN",
)
EMBEDDING_MODELS = ("text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002")
CHUNKING_STRATEGIES = ("recursive", "recursive", "fixed", "semantic")

# (role, what it does, what it hands over), the raw material of names, descriptions and prompts.
ROLES = (
    (
        "Receptionist",
        "answer inbound calls, route callers to the right team and take messages",
        "anything that needs a specific employee",
    ),
    (
        "Support Agent",
        "resolve common account and product questions on the first call",
        "refund requests above the policy limit",
    ),
    (
        "Appointment Scheduler",
        "book, move and cancel appointments against the live calendar",
        "requests for same-day emergency slots",
    ),
    (
        "Sales Qualifier",
        "qualify inbound leads on budget, timeline and team size",
        "qualified leads ready for a demo",
    ),
    ("Billing Assistant", "explain invoices, take card updates and set up payment plans", "disputed charges"),
    ("After-hours Line", "cover calls outside business hours and log urgent issues", "genuine emergencies"),
    (
        "Order Status Bot",
        "look up orders, delivery windows and return labels",
        "damaged or missing shipments",
    ),
    (
        "Onboarding Guide",
        "walk new customers through setup and first steps",
        "technical integration problems",
    ),
    (
        "Renewals Caller",
        "remind customers of upcoming renewals and confirm plan changes",
        "cancellation requests",
    ),
    ("Recruiting Screener", "run first-round phone screens for open roles", "candidates who pass the screen"),
)
INDUSTRIES = (
    "dental practice",
    "logistics company",
    "insurance broker",
    "property management firm",
    "SaaS company",
    "veterinary clinic",
    "auto repair shop",
    "home services company",
    "online store",
    "fitness studio",
    "law firm",
    "accounting firm",
)
SCENARIOS_END = (
    "The caller says goodbye.",
    "The issue is fully resolved.",
    "The caller asks to stop receiving calls.",
    "The caller is silent for a minute.",
)
SCENARIOS_TRANSFER = (
    "The caller asks for a human.",
    "The caller is upset after two attempts.",
    "The request is about a legal matter.",
    "The caller wants to cancel.",
)
KEYWORDS = (
    "refund",
    "invoice",
    "appointment",
    "cancel",
    "upgrade",
    "warranty",
    "delivery",
    "password",
    "billing",
    "emergency",
)
TOOLS = (
    "end_call",
    "transfer_call",
    "check_availability",
    "book_appointment",
    "lookup_order",
    "create_ticket",
    "send_sms",
)
INTEGRATIONS = ("internal", "internal", "slack", "whatsapp", "hubspot", "zendesk", "intercom", "salesforce")
INTEGRATION_ERRORS = (
    "Token expired: reconnect the workspace.",
    "Rate limited by the provider.",
    "Webhook endpoint returned 410 Gone.",
)
ACTIONS = (
    ("google_calendar.create_event", "Book a demo", "Create a 30-minute event with the lead."),
    ("hubspot.create_contact", "Save lead to CRM", "Create or update the contact with the details given."),
    ("zendesk.create_ticket", "Open a support ticket", "Open a ticket with a one-line summary."),
    ("stripe.lookup_invoice", "Look up an invoice", "Find the invoice by number or email."),
    ("http.request", "Check order status", "Call the order API with the order number."),
    ("slack.post_message", "Alert the on-call team", "Post the summary to the on-call channel."),
)
SUGGESTED_MESSAGES = (
    "What are your opening hours?",
    "I need to reschedule",
    "Talk to sales",
    "Where is my order?",
    "How much does it cost?",
    "I forgot my password",
)
COUNTRY_CODES = {
    "en_US": "1",
    "en_CA": "1",
    "en_GB": "44",
    "de_DE": "49",
    "fr_FR": "33",
    "es_ES": "34",
    "it_IT": "39",
    "nl_NL": "31",
    "pt_BR": "55",
    "ja_JP": "81",
}
BASE62 = string.digits + string.ascii_letters
HEX = "0123456789abcdef"


PERSONA_POOL_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Persona:
    """Who an assistant is, with its long texts composed once instead of once per record."""

    company: str
    role: str
    first_name: str
    voice_id: str
    domain: str
    name: str
    description: str
    system_prompt: str
    welcome: str
    role_slug: str
    voice_slug: str
    # The same texts already serialized as JSON values, spliced into records as they are.
    json: dict[str, bytes]


def compact_json(value: object) -> bytes:
    """`orjson.dumps` in an exactly sized object: orjson hands back small results in a 4 KiB
    allocation, which thousands of kept fragments would multiply into hundreds of MB."""
    return bytes(memoryview(orjson.dumps(value)))


def _with_article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _persona(
    rng: random.Random, companies: tuple[str, ...], domains: tuple[str, ...], cities: tuple[str, ...]
) -> Persona:
    role, duty, handoff = rng.choice(ROLES)
    voice_id, voice = rng.choice(ELEVENLABS_VOICES)
    company, city = rng.choice(companies), rng.choice(cities)
    industry = _with_article(rng.choice(INDUSTRIES))
    domain = rng.choice(domains)
    prompt = (
        f"You are {voice}, the {role.lower()} for {company}, {industry} based in {city}. "
        f"You {duty}. Hand {handoff} over to a human colleague. Keep answers to one or two "
        "sentences, confirm names, dates and numbers back to the caller, and never promise "
        "anything you cannot look up."
    )
    welcome = f"Hi, thanks for calling {company}! This is {voice}. How can I help you today?"
    return Persona(
        company=company,
        role=role,
        first_name=voice,
        voice_id=voice_id,
        domain=domain,
        name=f"{company} {role}",
        description=f"{role} for {company}. Used to {duty}.",
        system_prompt=prompt,
        welcome=welcome,
        role_slug=slug(role),
        voice_slug=slug(voice),
        json={
            "name": compact_json(f"{company} {role}"),
            "description": compact_json(f"{role} for {company}. Used to {duty}."),
            "system_prompt": compact_json(prompt),
            "welcome": compact_json(welcome),
            "end_call": compact_json(f"Thanks for calling {company}. Have a great day!"),
            "keyterms": compact_json([company]),
            "webhook": compact_json(f"https://hooks.{domain}/voice/{slug(role)}/events"),
            "voice_id": compact_json(voice_id),
        },
    )


@dataclass(frozen=True, slots=True)
class Pools:
    """Locale-specific values drawn from Faker once, at start-up."""

    companies: tuple[str, ...]
    domains: tuple[str, ...]
    cities: tuple[str, ...]
    country_code: str
    personas: tuple[Persona, ...]

    @classmethod
    def build(cls, seed: int, locale: str) -> Pools:
        try:
            fake = Faker(locale)
        except AttributeError as exc:  # Faker's way of saying the locale does not exist
            raise ValueError(f"unknown Faker locale {locale!r}") from exc
        fake.seed_instance(seed)
        companies = tuple(fake.company() for _ in range(POOL_SIZE))
        domains = tuple(fake.domain_name() for _ in range(POOL_SIZE))
        cities = tuple(fake.city() for _ in range(POOL_SIZE))
        rng = random.Random(f"{seed}/{locale}/personas")
        return cls(
            companies=companies,
            domains=domains,
            cities=cities,
            country_code=COUNTRY_CODES.get(locale, "1"),
            personas=tuple(_persona(rng, companies, domains, cities) for _ in range(PERSONA_POOL_SIZE)),
        )


# One C call per token instead of one Python call per character: a byte maps to an alphabet
# letter through a translation table (a slight bias towards the first letters is harmless here).
_BASE62_TABLE = bytes(ord(BASE62[b % 62]) for b in range(256))


def token(rng: random.Random, length: int, alphabet: str = BASE62) -> str:
    if alphabet is HEX:
        return f"{rng.getrandbits(4 * length):0{length}x}"
    if alphabet is BASE62:
        return rng.randbytes(length).translate(_BASE62_TABLE).decode()
    return "".join(rng.choices(alphabet, k=length))


def masked_key(rng: random.Random, prefix: str) -> str:
    """An API key as such APIs return it: prefix, stars, and the last four characters."""
    return f"{prefix}{'*' * 24}{token(rng, 4)}"


def e164(rng: random.Random, country_code: str) -> str:
    if country_code == "1":
        # NANP: area code and exchange never start with 0 or 1; 555-01xx is reserved for fiction.
        return f"+1{201 + int(rng.random() * 789)}55501{int(rng.random() * 100):02d}"
    return f"+{country_code}{10**8 + int(rng.random() * 9 * 10**8)}"


def twilio_sid(rng: random.Random, prefix: str = "AC") -> str:
    return prefix + token(rng, 32, HEX)


def slug(text: str) -> str:
    """An ASCII URL path segment; non-Latin names fall back to a generic word."""
    kept = "".join(c.lower() if c.isascii() and c.isalnum() else "-" for c in text)
    return "-".join(part for part in kept.split("-") if part) or "assistant"


def weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    roll = rng.random() * sum(w for _, w in choices)
    for choice, weight in choices:
        roll -= weight
        if roll < 0:
            return choice
    return choices[-1][0]
