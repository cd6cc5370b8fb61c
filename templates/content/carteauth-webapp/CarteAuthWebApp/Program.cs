using CarteAuthWebApp;

// `dotnet run`: the app listens on the URLs of Properties/launchSettings.json or --urls.
var app = WebApp.Build(args);
app.Run();
