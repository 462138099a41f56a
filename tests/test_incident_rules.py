"""The incident categories' rules: guidance for each, and the guard on illegal content and nudes."""

from __future__ import annotations

import pytest

from safeguard_desktop.domain.incidents import DEFAULT_AXIS, GUARDED, HELPLINE, Category, guidance_for, is_guarded


@pytest.mark.parametrize("category", list(Category))
def test_every_category_has_guidance_ending_with_the_helpline(category: Category) -> None:
    guidance = guidance_for(category)
    assert guidance.title and len(guidance.steps) >= 2
    assert guidance.steps[-1] == HELPLINE and "0344 381 4772" in HELPLINE and "48 hours" in HELPLINE
    assert category in DEFAULT_AXIS


def test_illegal_content_and_nudes_are_guarded() -> None:
    assert {Category.ILLEGAL, Category.NUDES} == GUARDED
    assert is_guarded(Category.ILLEGAL) and not is_guarded(Category.PRIVACY)
    steps = " ".join(guidance_for(Category.ILLEGAL).steps)
    assert "Do not view, copy, download, screenshot" in steps and "Internet Watch Foundation" in steps


def test_privacy_guidance_names_the_under_13_rule() -> None:
    steps = " ".join(guidance_for(Category.PRIVACY).steps)
    assert "under 13" in steps and "privacy report" in steps
