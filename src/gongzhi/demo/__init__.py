"""The demo street: synthetic places, people, logins and each app's content from the seed articles.

Not a product app. It may import any app; no product module imports it (tests/test_house.py checks). It has no
models. `manage.py load_demo` builds it; `apps.DemoConfig.ready` lists the demo logins on the login page in demo
mode through core.login_listing. Writes go through the services wherever the figures allow, and through
`bulk.py` (the one documented bulk path) where they don't."""
