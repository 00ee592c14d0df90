from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "gongzhi.demo"
    label = "demo"
    verbose_name = "演示数据"

    def ready(self) -> None:
        from gongzhi.core.login_listing import login_rows_provide
        from gongzhi.demo.people.logins import demo_logins

        # Registered always; the login page asks only when settings.DEMO_MODE is on (tests flip it at run time).
        login_rows_provide(demo_logins)
