using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImageBuilder.Registry.Auth;

/// <summary>
/// A <c>docker-credential-NAME</c> program and its protocol: <c>get</c> reads the server URL
/// on stdin and prints <c>{"ServerURL","Username","Secret"}</c>; <c>store</c> reads that JSON;
/// <c>erase</c> reads the server URL. A user name of <c>&lt;token&gt;</c> marks the secret as an
/// identity token.
/// </summary>
internal sealed class CredentialHelper(string name, string? searchPath)
{
    private const string IdentityTokenUser = "<token>";

    public string Name { get; } = name;

    public string Program => "docker-credential-" + Name;

    public async Task<RegistryCredential?> GetAsync(string serverUrl, CancellationToken cancellationToken)
    {
        var (exitCode, stdout, stderr) = await RunAsync("get", serverUrl, cancellationToken);
        if (exitCode != 0)
        {
            if ((stdout + stderr).Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            throw new RegistryException(RegistryErrorReason.Unauthorized,
                $"{Program} get failed (exit code {exitCode}): {FirstLine(stderr.Length > 0 ? stderr : stdout)}");
        }

        JsonNode? answer;
        try
        {
            answer = JsonNode.Parse(stdout);
        }
        catch (JsonException e)
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"{Program} get printed something that is not JSON: {e.Message}", e);
        }

        var username = answer?["Username"]?.GetValue<string>();
        var secret = answer?["Secret"]?.GetValue<string>();
        if (string.IsNullOrEmpty(username) && string.IsNullOrEmpty(secret))
        {
            return null;
        }

        var source = $"credential helper {Program}";
        return username == IdentityTokenUser
            ? new RegistryCredential(null, null, secret, source)
            : new RegistryCredential(username ?? "", secret ?? "", null, $"{source} (user {username})");
    }

    public async Task StoreAsync(string serverUrl, string username, string secret, CancellationToken cancellationToken)
    {
        var input = new JsonObject { ["ServerURL"] = serverUrl, ["Username"] = username, ["Secret"] = secret }.ToJsonString();
        var (exitCode, stdout, stderr) = await RunAsync("store", input, cancellationToken);
        if (exitCode != 0)
        {
            throw new RegistryException(RegistryErrorReason.Unauthorized,
                $"{Program} store failed (exit code {exitCode}): {FirstLine(stderr.Length > 0 ? stderr : stdout)}");
        }
    }

    public async Task EraseAsync(string serverUrl, CancellationToken cancellationToken)
    {
        var (exitCode, stdout, stderr) = await RunAsync("erase", serverUrl, cancellationToken);
        if (exitCode != 0 && !(stdout + stderr).Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
        {
            throw new RegistryException(RegistryErrorReason.Unauthorized,
                $"{Program} erase failed (exit code {exitCode}): {FirstLine(stderr.Length > 0 ? stderr : stdout)}");
        }
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string action, string input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Locate())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(action);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception e)
        {
            throw new RegistryException(RegistryErrorReason.Unauthorized, $"cannot run credential helper {Program}: {e.Message}", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The helper exited without reading its input; its exit code tells why.
            }

            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
        }
    }

    /// <summary>The helper's path on the search path (PATH unless the store was given another).</summary>
    private string Locate()
    {
        var path = searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, Program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new RegistryException(RegistryErrorReason.Unauthorized,
            $"credential helper {Program} is configured but not found on PATH");
    }

    private static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n');
        return newline < 0 ? text : text[..newline];
    }
}
