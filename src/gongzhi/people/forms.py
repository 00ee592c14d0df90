from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PersonFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、手机号或身份证号")}),
    )
    place = forms.IntegerField(label=_("地点"), required=False, widget=forms.HiddenInput)
    tag = forms.IntegerField(label=_("标签"), required=False)
    owners = forms.BooleanField(label=_("含不在此居住的产权人"), required=False)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("居民台账 (.xlsx)"))
    target = forms.IntegerField(label=_("导入到"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过10MB"))
        return upload


class AccountForm(forms.Form):
    password = forms.CharField(label=_("初始密码"), min_length=8, widget=forms.PasswordInput)


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=20)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    relation = forms.ChoiceField(
        label=_("身份"), choices=[("head", _("户主")), ("member", _("家庭成员")), ("tenant", _("租户"))]
    )


class TagForm(forms.Form):
    name = forms.CharField(label=_("标签名称"), max_length=30)
    sensitive_as = forms.ChoiceField(
        label=_("敏感类别"),
        required=False,
        choices=[
            ("", _("不敏感")),
            ("disability", _("残疾/健康")),
            ("low_income", _("低保/特困")),
            ("party", _("党员身份")),
        ],
    )
