"""The demo street's places, people and logins: specs, the bulk build, the logins and `load_demo`."""
