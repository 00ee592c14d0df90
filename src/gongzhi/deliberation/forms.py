from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.deliberation.models import Choice, Matter, Procedure


class ProposeForm(forms.Form):
    place = forms.IntegerField(label=_("范围"))
    title = forms.CharField(label=_("议题"), max_length=100)
    summary = forms.CharField(label=_("说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PublishForm(forms.Form):
    procedure = forms.ChoiceField(label=_("议事规则"), choices=Procedure.choices)
    matter = forms.ChoiceField(label=_("事项类别"), choices=[("", "—"), *Matter.choices], required=False)
    body = forms.CharField(label=_("方案与材料"), widget=forms.Textarea(attrs={"rows": 6}))


class VersionForm(forms.Form):
    body = forms.CharField(label=_("新一版方案"), widget=forms.Textarea(attrs={"rows": 6}))
    change_note = forms.CharField(label=_("修改说明"), max_length=500)


class VotingForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("表决截止"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class PaperBallotForm(forms.Form):
    """A sheet printed here is entered by its serial alone (its household owner votes); the ID number is for
    sheets printed elsewhere and for proxies. A scanned QR fills the serial with the entry URL and its token."""

    serial_no = forms.CharField(
        label=_("表决票编号（可扫描二维码）"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    token = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)
    id_number = forms.CharField(label=_("业主身份证号（非本平台印发的票）"), max_length=20, required=False)
    choice = forms.ChoiceField(label=_("表决意见"), choices=Choice.choices)
    proxy_name = forms.CharField(label=_("受托人"), max_length=50, required=False)
    evidence = forms.FileField(label=_("扫描件或委托书"), required=False)
