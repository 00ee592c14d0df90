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
