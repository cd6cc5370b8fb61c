#!/usr/bin/env bash
# Regenerates docs/configuration.md (the configuration reference) from the options types and their XML documentation.
# The generator is tests/CarteAuth.Docs.Tests/ConfigurationReference.cs; its test fails when the committed page is out
# of date. Run this after changing an options type (a property, a default, a <summary>), then commit the page.
set -euo pipefail
cd "$(dirname "$0")/.."
CARTEAUTH_UPDATE_DOCS=1 dotnet test tests/CarteAuth.Docs.Tests/CarteAuth.Docs.Tests.csproj -c Release -nologo \
  --filter "FullyQualifiedName~ConfigurationReferenceTests.ConfigurationReferenceIsUpToDate"
git --no-pager diff --stat -- docs/configuration.md
