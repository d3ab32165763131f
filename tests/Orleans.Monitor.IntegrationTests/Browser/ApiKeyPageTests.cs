using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.IntegrationTests.Auth;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Browser;

/// <summary>The dashboard in headless Chromium against an Api that requires keys, under its Content-Security-Policy.</summary>
public sealed class ApiKeyPageTests(SecuredApi api, ITestOutputHelper output) : IClassFixture<SecuredApi>, IAsyncLifetime
{
    private const float Timeout = 60_000;
    private HeadlessChromium? _chromium;

    public async Task InitializeAsync()
    {
        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }
    }

    // This Api has no Docker daemon, so no host ever sends a frame: once the hub is connected the header says
    // "stale · no data" (the page's state for a connected hub without frames), never "reconnecting".
    private const string HubConnected = "[data-testid=connection-state][data-state=connected], [data-testid=connection-state][data-state=stale]";

    [Fact]
    public async Task Page_ApiAnswers401_AsksForKeyOnceKeepsItForTheSessionAndConnectsTheHub()
    {
        var page = await _chromium!.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        var prompts = new List<string>();
        var console = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            prompts.Add(dialog.Message);
            await dialog.AcceptAsync(SecuredApi.ViewerKey);
        };
        page.Console += (_, message) => console.Add(message.Text);

        await page.GotoAsync(api.App.ServerAddress!.ToString());
        await page.Locator(HubConnected).WaitForAsync();
        Assert.Single(prompts);

        // The key is kept for the browser session: a reload asks nothing and connects again.
        await page.ReloadAsync();
        await page.Locator(HubConnected).WaitForAsync();
        Assert.Single(prompts);
        Assert.Equal(SecuredApi.ViewerKey, await page.EvaluateAsync<string>("() => sessionStorage.getItem('orleans-monitor.api-key')"));

        output.WriteLine($"asked once: '{prompts[0]}'; console: {string.Join(" | ", console)}");
        Assert.DoesNotContain(console, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }
}
