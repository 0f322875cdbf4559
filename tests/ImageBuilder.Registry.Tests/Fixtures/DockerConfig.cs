using System.Text;
using ImageBuilder.Registry.Auth;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>A docker config directory of a test's own, with an optional fake credential helper.</summary>
internal sealed class DockerConfig : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-docker-config-");

    public string ConfigPath => dir.Combine("config.json");

    /// <summary>Where fake <c>docker-credential-*</c> scripts go: the store's search path.</summary>
    public string HelperDirectory => dir.Path;

    public CredentialStore Store => new(ConfigPath, HelperDirectory);

    public void Write(string json) => File.WriteAllText(ConfigPath, json);

    public static string Auth(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    /// <summary>
    /// <c>docker-credential-NAME</c>: <c>get</c> prints the credentials when stdin is
    /// <paramref name="serverUrl"/>, else "credentials not found" and exit 1; <c>store</c> and
    /// <c>erase</c> succeed; every call is appended to calls.log with its input.
    /// </summary>
    public void AddHelper(string name, string serverUrl, string user, string secret)
    {
        var path = dir.Combine("docker-credential-" + name);
        File.WriteAllText(path, $$"""
            #!/bin/sh
            read -r input
            echo "$1 $input" >> "{{dir.Combine("calls.log")}}"
            if [ "$1" = get ] && [ "$input" = "{{serverUrl}}" ]; then
              printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "$input" "{{user}}" "{{secret}}"
              exit 0
            fi
            if [ "$1" = store ] || [ "$1" = erase ]; then
              exit 0
            fi
            echo "credentials not found in native keychain"
            exit 1

            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string HelperCalls => File.Exists(dir.Combine("calls.log")) ? File.ReadAllText(dir.Combine("calls.log")) : "";

    public void Dispose() => dir.Dispose();
}
