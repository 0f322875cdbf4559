namespace ImageBuilder.Cli.Tests;

/// <summary>
/// When an ordinary user's ibuild enters its user namespace for a command line: first (commands
/// that change snapshots or run containers), only when needed (build, and the commands that read
/// the store, which a cached build or a look at the store never need it for), or never (help,
/// version, check, login, logout, and usage errors, which are reported without entering anything).
/// </summary>
public sealed class UserNamespaceNeedTests
{
    [Theory]
    [InlineData("run", "box:1", "true")]
    [InlineData("run", "box:1", "df", "-h")]
    [InlineData("run", "box:1", "python3", "--help")]
    [InlineData("pull", "localhost:5000/a:1")]
    [InlineData("load", "-i", "a.tar")]
    [InlineData("import", "a.tar")]
    [InlineData("rmi", "a:1")]
    [InlineData("prune")]
    [InlineData("fsck")]
    [InlineData("info")]
    [InlineData("build", "-f", "-", ".")]
    [InlineData("build", "--file=-", ".")]
    [InlineData("build", "-o", "type=oci,dest=app.tar", ".")]
    [InlineData("build", "--output=type=local,dest=out", ".")]
    [InlineData("build", "-t", "localhost:5000/a:1", "--push", ".")]
    [InlineData("build", "--cache-to", "type=registry,ref=localhost:5000/cache", ".")]
    public void Commands_that_change_snapshots_run_containers_read_standard_input_or_export_enter_first(params string[] args)
    {
        Assert.Equal(UserNamespaceUse.First, CommandLineApp.WhenToEnterUserNamespace(args));
    }

    [Theory]
    [InlineData("build", ".")]
    [InlineData("--root", "/tmp/s", "build", ".")]
    [InlineData("-f", "Dockerfile", "-t", "app:1", ".")]
    [InlineData("build", "-f", "docker/Dockerfile", "--build-arg", "A=-", "--label", "b=-", ".")]
    [InlineData("build", "--cache-from", "type=registry,ref=localhost:5000/cache", ".")]
    [InlineData("build", "--secret", "id=token,src=/etc/hostname", ".")]
    [InlineData("build", "--bad-option", ".")]
    public void A_build_enters_when_a_step_needs_it(params string[] args)
    {
        Assert.Equal(UserNamespaceUse.WhenNeeded, CommandLineApp.WhenToEnterUserNamespace(args));
    }

    [Fact]
    public async Task A_build_reading_a_pipe_enters_first_because_a_second_start_would_find_it_empty()
    {
        // What <(command) and a FIFO give: read once outside, gone for the build inside.
        var dir = Directory.CreateTempSubdirectory("ibuild-fifo-");
        try
        {
            var fifo = Path.Combine(dir.FullName, "secret");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
            {
                await mkfifo.WaitForExitAsync();
                Assert.Equal(0, mkfifo.ExitCode);
            }

            Assert.Equal(UserNamespaceUse.First, CommandLineApp.WhenToEnterUserNamespace(["build", "--secret", $"id=token,src={fifo}", "."]));
            Assert.Equal(UserNamespaceUse.First, CommandLineApp.WhenToEnterUserNamespace(["build", "-f", fifo, "."]));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("images")]
    [InlineData("--root", "/tmp/s", "images")]
    [InlineData("inspect", "a:1")]
    [InlineData("tag", "a:1", "b:1")]
    [InlineData("save", "-o", "a.tar", "a:1")]
    [InlineData("push", "a:1")]
    public void Commands_that_read_the_store_enter_only_for_a_store_they_cannot_read_outside(params string[] args)
    {
        Assert.Equal(UserNamespaceUse.WhenOpeningTheStore, CommandLineApp.WhenToEnterUserNamespace(args));
    }

    [Theory]
    [InlineData]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("--version")]
    [InlineData("check", "-f", "Dockerfile")]
    [InlineData("login", "localhost:5000")]
    [InlineData("logout", "localhost:5000")]
    [InlineData("build", "--help")]
    [InlineData("images", "-h")]
    [InlineData("info", "--help")]
    [InlineData("--root", "/tmp/s", "check")]
    [InlineData("--root", "/tmp/s", "images", "--help")]
    [InlineData("--root")]
    [InlineData("--root", "/tmp/s")]
    public void Help_version_check_login_logout_and_usage_errors_never_do(params string[] args)
    {
        Assert.Equal(UserNamespaceUse.Never, CommandLineApp.WhenToEnterUserNamespace(args));
    }
}
