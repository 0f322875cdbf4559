namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// One build check (BuildKit's Dockerfile linter rule): its name as BuildKit spells it, a short
/// description, the page that explains it, and whether it is experimental (off unless named by
/// <c># check=experimental=…</c>).
/// </summary>
public sealed record CheckRule(string Name, string Description, bool Experimental = false)
{
    public string Url => $"https://docs.docker.com/go/dockerfile/rule/{Slug(Name)}/";

    private static string Slug(string name)
    {
        var builder = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var boundary = i > 0 && char.IsUpper(c) && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
            if (boundary)
            {
                builder.Append('-');
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}

/// <summary>The rule set, with BuildKit's names; every rule is a warning unless error=true.</summary>
public static class CheckRules
{
    public static readonly CheckRule StageNameCasing = new("StageNameCasing", "Stage names should be lowercase");
    public static readonly CheckRule FromAsCasing = new("FromAsCasing", "The AS keyword should be cased like the FROM keyword");
    public static readonly CheckRule NoEmptyContinuation = new("NoEmptyContinuation", "Empty lines inside a continuation are deprecated");
    public static readonly CheckRule ConsistentInstructionCasing = new("ConsistentInstructionCasing", "Instruction keywords should all use the same case");
    public static readonly CheckRule DuplicateStageName = new("DuplicateStageName", "Stage names should be unique");
    public static readonly CheckRule ReservedStageName = new("ReservedStageName", "Reserved words should not be used as stage names");
    public static readonly CheckRule JsonArgsRecommended = new("JSONArgsRecommended", "CMD and ENTRYPOINT should use the JSON (exec) form so that the process receives signals");
    public static readonly CheckRule MaintainerDeprecated = new("MaintainerDeprecated", "MAINTAINER is deprecated; use a LABEL");
    public static readonly CheckRule UndefinedArgInFrom = new("UndefinedArgInFrom", "FROM should only use ARGs declared before it");
    public static readonly CheckRule WorkdirRelativePath = new("WorkdirRelativePath", "A relative WORKDIR depends on the base image's working directory");
    public static readonly CheckRule UndefinedVar = new("UndefinedVar", "Variables should be defined before they are used");
    public static readonly CheckRule MultipleInstructionsDisallowed = new("MultipleInstructionsDisallowed", "Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect");
    public static readonly CheckRule LegacyKeyValueFormat = new("LegacyKeyValueFormat", "ENV and LABEL should use key=value");
    public static readonly CheckRule RedundantTargetPlatform = new("RedundantTargetPlatform", "FROM --platform=$TARGETPLATFORM is the default and can go");
    public static readonly CheckRule SecretsUsedInArgOrEnv = new("SecretsUsedInArgOrEnv", "Secrets should not be passed through ARG or ENV");
    public static readonly CheckRule InvalidDefaultArgInFrom = new("InvalidDefaultArgInFrom", "The default ARG values should give FROM a valid image name");
    public static readonly CheckRule FromPlatformFlagConstDisallowed = new("FromPlatformFlagConstDisallowed", "FROM --platform should not be a constant");
    public static readonly CheckRule CopyIgnoredFile = new("CopyIgnoredFile", "COPY and ADD should not name files that .dockerignore excludes");
    public static readonly CheckRule InvalidDefinitionDescription = new("InvalidDefinitionDescription", "A comment right above ARG or FROM should start with the name it describes", Experimental: true);
    public static readonly CheckRule ExposeProtoCasing = new("ExposeProtoCasing", "EXPOSE protocols should be lowercase");
    public static readonly CheckRule ExposeInvalidFormat = new("ExposeInvalidFormat", "EXPOSE takes container ports, not addresses or host mappings");

    public static readonly IReadOnlyList<CheckRule> All =
    [
        StageNameCasing, FromAsCasing, NoEmptyContinuation, ConsistentInstructionCasing, DuplicateStageName,
        ReservedStageName, JsonArgsRecommended, MaintainerDeprecated, UndefinedArgInFrom, WorkdirRelativePath,
        UndefinedVar, MultipleInstructionsDisallowed, LegacyKeyValueFormat, RedundantTargetPlatform,
        SecretsUsedInArgOrEnv, InvalidDefaultArgInFrom, FromPlatformFlagConstDisallowed, CopyIgnoredFile,
        InvalidDefinitionDescription, ExposeProtoCasing, ExposeInvalidFormat,
    ];
}
