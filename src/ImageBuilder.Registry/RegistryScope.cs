namespace ImageBuilder.Registry;

/// <summary>The token scopes a request needs (<c>repository:NAME:pull[,push]</c>).</summary>
internal static class RegistryScope
{
    public static IReadOnlyList<string> None { get; } = [];

    public static IReadOnlyList<string> Pull(string repository) => [$"repository:{repository}:pull"];

    public static IReadOnlyList<string> Push(string repository) => [$"repository:{repository}:pull,push"];

    public static IReadOnlyList<string> PushWithMount(string repository, string from) =>
        [$"repository:{repository}:pull,push", $"repository:{from}:pull"];
}
