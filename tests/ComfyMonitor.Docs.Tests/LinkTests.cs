using ComfyMonitor.Testing;

namespace ComfyMonitor.Docs.Tests;

/// <summary>Every relative link of the README, the changelog and docs/ leads to a file and a heading that exist.</summary>
public sealed class LinkTests
{
    [Fact]
    public void EveryRelativeLinkOfTheReadmeAndDocsLeadsToAFileAndHeadingThatExist()
    {
        var documents = new[] { "README.md", "CHANGELOG.md" }
            .Concat(Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Select(f => Path.GetRelativePath(Repository.Root, f)));
        Assert.Empty(documents.SelectMany(d => MarkdownLinks.Broken(Repository.Root, d, File.ReadAllText(Path.Combine(Repository.Root, d)))));
    }

    [Fact]
    public void AMissingFileOrHeadingIsCaughtAndLinksInCodeAreNotLinks()
    {
        var root = Directory.CreateTempSubdirectory("comfymonitor-links-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "docs"));
            File.WriteAllText(Path.Combine(root, "docs", "other.md"), "# Other\n\n## The `Collector:Interval` key\n\n## Twice\n\n## Twice\n");
            File.WriteAllText(Path.Combine(root, "README.md"), """
                # Title

                [ok](docs/other.md#the-collectorinterval-key) [second](docs/other.md#twice-1) [here](#title) [folder](docs/) [web](https://example.com/x.md)
                [gone](docs/gone.md) [no heading](docs/other.md#nothing) [third](docs/other.md#twice-2) `[code](docs/gone.md)`

                ```
                [block](docs/gone.md)
                ```
                [ref]: docs/missing.md
                """);
            Assert.Equal(
                ["README.md: docs/gone.md: no such file", "README.md: docs/other.md#nothing: no heading #nothing there", "README.md: docs/other.md#twice-2: no heading #twice-2 there",
                 "README.md: docs/missing.md: no such file"],
                MarkdownLinks.Broken(root, "README.md", File.ReadAllText(Path.Combine(root, "README.md"))));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("The collector (`ComfyMonitor.Collector`)", "the-collector-comfymonitorcollector")]
    [InlineData("Securing the endpoints: `--web.config.file`", "securing-the-endpoints---webconfigfile")]
    [InlineData("Scaling out and Kubernetes: `deploy/kubernetes`", "scaling-out-and-kubernetes-deploykubernetes")]
    [InlineData("ComfyUIInstanceDown", "comfyuiinstancedown")]
    [InlineData("Long jobs → what is normal, per [instance](x.md)", "long-jobs--what-is-normal-per-instance")]
    public void AnchorsAreGitHubsSlugsOfTheHeadings(string heading, string anchor) => Assert.Equal(anchor, MarkdownLinks.Slug(heading));
}
