using System.Text.RegularExpressions;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// BuildKit's test for a variable name that looks like a secret (SecretsUsedInArgOrEnv): a word
/// such as token, password, key or secret between underscores, unless a word such as public, file or
/// version is too. The build keeps such an arg's value out of the store and of cache-miss lines.
/// </summary>
public static partial class SecretNames
{
    public static bool LooksSecret(string name) => SecretName().IsMatch(name) && !AllowedName().IsMatch(name);

    [GeneratedRegex("(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex("(?:_|^)(?:public|file|version)(?:_|$)", RegexOptions.IgnoreCase)]
    private static partial Regex AllowedName();
}
