"""`check --online`'s library half: every provider and model is asked once, on its own provider."""

from __future__ import annotations

import httpx
import pytest
from llm_server import FakeLLM, serve_fake_llm, status

from seabot.core.llm import CanarySpec, ChatClient, LLMAuthError, LLMRequestError, LLMSettings, ProviderSpec, TierSpec
from seabot.core.llm.probe import probe_models

pytestmark = pytest.mark.anyio


async def test_every_model_of_every_provider_is_probed(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    with serve_fake_llm() as other:
        canary = CanarySpec(model="cheap-1", provider="other", share=0.1)
        tiers = {
            "fast": TierSpec("fast", "m-fast", 1, 1, canary=canary),
            "balanced": TierSpec("balanced", "m-fast", 1, 1),  # the same model: asked once
            "premium": TierSpec("premium", "big-1", 1, 1, provider="other"),
        }
        settings = LLMSettings(base_url=llm.base_url, api_key="k", tiers=tiers,
                               providers={"other": ProviderSpec("other", other.base_url, "k2")})  # fmt: skip
        other.always("big-1", status(404))
        clients = {"default": ChatClient(http, llm.base_url, "k"), "other": ChatClient(http, other.base_url, "k2")}
        results = await probe_models(settings, clients)
        summary = [(r.tier, r.arm, r.provider, r.model, r.ok) for r in results]
        assert summary == [
            ("fast", "control", "default", "m-fast", True),
            ("fast", "canary", "other", "cheap-1", True),
            ("balanced", "control", "default", "m-fast", True),
            ("premium", "control", "other", "big-1", False),
        ]
        assert isinstance(results[-1].error, LLMRequestError)
        assert len(llm.calls()) == 1 and len(other.calls()) == 2

        other.always("cheap-1", status(401))
        results = await probe_models(settings, clients)
        assert isinstance(results[1].error, LLMAuthError) and results[3].skipped  # not asked again with that key
