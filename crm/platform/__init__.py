"""The app's plumbing: settings, Flask extensions, security headers and CSRF, error handlers."""
